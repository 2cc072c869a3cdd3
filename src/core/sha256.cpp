#include "core/sha256.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/input_file.hpp"

namespace gpufleet {

// OpenSSL's libcrypto (Debian libssl-dev): it uses the CPU's SHA instructions where there are some,
// several times faster than portable code, which matters since every output file is hashed.
Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256: cannot initialise libcrypto");
}

Sha256::~Sha256() = default;

void Sha256::CtxFree::operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }

void Sha256::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) throw std::runtime_error("SHA-256: update failed");
}

std::string Sha256::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) throw std::runtime_error("SHA-256: final failed");
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex_digest();
}

std::string sha256_file(const std::string& path, std::uint64_t* bytes) {
  Diagnostics diags;
  auto f = open_input_file(path, "file", UINT64_MAX, nullptr, diags);
  if (!f) throw std::runtime_error(diags.items().front().to_string());
  Sha256 h;
  std::vector<char> buf(1 << 16);
  std::uint64_t total = 0;
  // Up to the size it had when opened: a file that grows meanwhile does not keep us reading.
  while (total < f->size()) {
    const ssize_t n =
        ::read(f->fd(), buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), f->size() - total)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(fmt::format("{}: read error: {}", path, std::strerror(errno)));
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    h.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  if (bytes) *bytes = total;
  return h.hex_digest();
}

}  // namespace gpufleet
