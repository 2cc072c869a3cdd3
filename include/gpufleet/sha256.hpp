// SHA-256 (FIPS 180-4), for provenance hashes of scenarios and input files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gpufleet {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void block(const unsigned char* p);
  std::uint32_t h_[8];
  unsigned char buf_[64];
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);

// Digest of a file's bytes; throws std::runtime_error when it cannot be read.
std::string sha256_file(const std::string& path, std::uint64_t* bytes = nullptr);

}  // namespace gpufleet
