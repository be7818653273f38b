# Native HiGHS 1.16 for Node (libs/highs-native: a Rust napi-rs addon over the highs-sys crate from crates.io,
# which builds the vendored HiGHS with cmake). Installed only: @carbonreducer/optimizer loads it (and falls back
# to the WebAssembly `highs` package where it is not built).
# Result: $CR_CACHE/highs-native-<key>/highs_native.node, key = package version, HiGHS version and a digest of
# Cargo.toml, Cargo.lock, build.rs and src/lib.rs (the same key libs/highs-native/src/index.ts computes), so a new
# crate version or source is a new build. Cargo's own build cache is $CR_CACHE/highs-native-target.

highs_native_dir() { echo "$REPO_ROOT/libs/highs-native"; }

highs_native_key() {
  local dir version
  dir=$(highs_native_dir)
  version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$dir/package.json" | head -n 1)
  local highs
  highs=$(sed -n 's/^export const HIGHS_NATIVE_HIGHS_VERSION = .\([0-9.]*\).;$/\1/p' "$dir/src/index.ts")
  local digest
  digest=$(cd "$dir" && cat Cargo.toml Cargo.lock build.rs src/lib.rs | sha256sum | cut -c1-12)
  echo "$version-highs$highs-$digest"
}

highs_native_home() { echo "$CR_CACHE/highs-native-$(highs_native_key)"; }

highs_native_install() {
  local home dir log
  home=$(highs_native_home)
  [[ -f $home/highs_native.node ]] && return 0
  dir=$(highs_native_dir)
  command -v cargo >/dev/null || die "highs_native: cargo (Rust >= 1.88) is needed to build the native HiGHS addon"
  command -v cmake >/dev/null || die "highs_native: cmake is needed to build HiGHS (apt-get install cmake)"
  log "highs_native: building the native HiGHS addon (cargo + cmake; several minutes on a cold cache)"
  log=$CR_CACHE/logs/highs_native-build.log
  mkdir -p "$CR_CACHE/logs"
  # --locked: the versions in Cargo.lock, never newer ones. Two cmake jobs: the machines have two cores.
  (cd "$dir" && CARGO_TARGET_DIR=$CR_CACHE/highs-native-target CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    cargo build --release --locked) >>"$log" 2>&1 || die "highs_native: cargo build failed (log: $log)"
  mkdir -p "$home.tmp"
  cp "$CR_CACHE/highs-native-target/release/libcarbonreducer_highs_native.so" "$home.tmp/highs_native.node"
  rm -rf "$home" && mv "$home.tmp" "$home"
  log "highs_native: built $home/highs_native.node"
}
