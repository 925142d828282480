# Tests with dependencies beyond the engine's.

# test_differential compares text decoding with GMime 3 (test-only dependency:
# libgmime-3.0-dev).
pkg_check_modules(GMIME REQUIRED IMPORTED_TARGET gmime-3.0)
target_link_libraries(test_differential PRIVATE PkgConfig::GMIME)
