// The same C library calls as the core makes (snprintf, strtod, memcpy, math), without the core: the baseline
// footprint.sh subtracts.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
int main(int argc, char** argv) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e %lld %04u", argc, std::strtod(argv[0], nullptr), static_cast<long long>(argc),
                static_cast<unsigned>(argc));
  std::memcpy(buf, argv[0], 4);
  return static_cast<int>(std::floor(std::sqrt(static_cast<double>(std::strlen(buf)))) + std::atoi(buf));
}
