#include <catch2/catch.hpp>

#include "gpufleet/diagnostics.hpp"
#include "gpufleet/node_pool.hpp"

using namespace gpufleet;

TEST_CASE("NodeBitset finds members across words and summary blocks", "[node_pool]") {
  NodeBitset b(10'000);
  CHECK(b.find_first() == NodeBitset::kNone);
  for (std::uint32_t i : {0u, 63u, 64u, 4095u, 4096u, 9999u}) b.set(i);
  CHECK(b.find_next(0) == 0);
  CHECK(b.find_next(1) == 63);
  CHECK(b.find_next(64) == 64);
  CHECK(b.find_next(65) == 4095);
  CHECK(b.find_next(4096) == 4096);
  CHECK(b.find_next(4097) == 9999);
  CHECK(b.find_next(10'000) == NodeBitset::kNone);
  b.reset(4095);
  b.reset(4096);
  CHECK(b.find_next(65) == 9999);
  b.reset(9999);
  CHECK(b.find_next(65) == NodeBitset::kNone);
}

TEST_CASE("NodeBitset agrees with a linear scan on a random pattern", "[node_pool]") {
  const std::uint32_t n = 20'000;
  NodeBitset b(n);
  std::vector<bool> ref(n, false);
  std::uint64_t x = 12345;
  for (int step = 0; step < 50'000; ++step) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto i = static_cast<std::uint32_t>((x >> 33) % n);
    if ((x >> 20) & 1) {
      b.set(i);
      ref[i] = true;
    } else {
      b.reset(i);
      ref[i] = false;
    }
    if (step % 97 == 0) {
      const auto from = static_cast<std::uint32_t>((x >> 7) % n);
      std::uint32_t want = NodeBitset::kNone;
      for (std::uint32_t k = from; k < n; ++k)
        if (ref[k]) {
          want = k;
          break;
        }
      REQUIRE(b.find_next(from) == want);
    }
  }
}

TEST_CASE("NodePool tracks free levels - racks and totals", "[node_pool]") {
  NodePool pool(6, 8, 3);
  CHECK(pool.capacity_gpus() == 48);
  CHECK(pool.free_gpus() == 48);
  CHECK(pool.rack_count() == 2);
  CHECK(pool.whole_free_in_rack(0) == 3);
  pool.allocate({{1, 8}, {2, 3}});
  CHECK(pool.free_gpus() == 37);
  CHECK(pool.free(1) == 0);
  CHECK(pool.free(2) == 5);
  CHECK(pool.nodes_with_free(8) == 4);
  CHECK(pool.nodes_with_free(5) == 1);
  CHECK(pool.whole_free_in_rack(0) == 1);
  CHECK(pool.next_with_at_least(4, 0) == 0);
  CHECK(pool.next_with_at_least(4, 1) == 2);
  CHECK(pool.next_with_at_least(6, 1) == 3);
  pool.release({{2, 3}});
  CHECK(pool.free(2) == 8);
  CHECK(pool.whole_free_in_rack(0) == 2);
}

TEST_CASE("NodePool refuses double allocation and over-release", "[node_pool]") {
  NodePool pool(2, 4, 0);
  pool.allocate({{0, 3}});
  CHECK_THROWS_AS(pool.allocate({{0, 2}}), InternalError);
  CHECK_THROWS_AS(pool.release({{1, 1}}), InternalError);
  CHECK_THROWS_AS(pool.allocate({{7, 1}}), InternalError);
}

TEST_CASE("histogram_fits: whole nodes for gangs plus one node for the remainder", "[node_pool]") {
  struct Case {
    const char* name;
    std::vector<std::uint32_t> hist;  // nodes with k free GPUs, k = 0..8
    std::uint32_t gpus;
    bool fits;
  };
  const std::vector<Case> cases = {
      {"small job on a partly free node", {5, 0, 0, 1, 0, 0, 0, 0, 0}, 3, true},
      {"small job too big for any node", {5, 0, 0, 1, 0, 0, 0, 0, 0}, 4, false},
      {"two whole nodes", {0, 0, 0, 0, 0, 0, 0, 0, 2}, 16, true},
      {"two whole nodes needed, one free", {0, 0, 0, 0, 0, 0, 0, 7, 1}, 16, false},
      {"gang remainder on a partial node", {0, 0, 0, 0, 0, 4, 0, 0, 1}, 12, true},
      {"gang remainder needs a third node", {0, 0, 0, 0, 0, 0, 0, 0, 1}, 12, false},
      {"gang remainder on a spare whole node", {0, 0, 0, 0, 0, 0, 0, 0, 2}, 12, true},
      {"fragmented GPUs do not make a whole node", {0, 0, 0, 0, 8, 0, 0, 0, 0}, 8, false},
      {"zero GPUs always fit", {3, 0, 0, 0, 0, 0, 0, 0, 0}, 0, true},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(NodePool::histogram_fits(c.hist, 8, c.gpus) == c.fits);
  }
}
