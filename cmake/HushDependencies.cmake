# Every third-party dependency, found once. All are Debian packages installed by scripts/setup.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
find_package(OpenSSL 3.0 REQUIRED)
find_package(Protobuf REQUIRED)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
# The scale-out storage backend (libs/storage/postgres) and its tests: libpq, linked PRIVATE.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# Attachment facts (libs/client/attachment): content types by libmagic, image size and thumbnails
# by stb (Debian builds stb_image, stb_image_resize and stb_image_write into libstb).
pkg_check_modules(LIBMAGIC REQUIRED IMPORTED_TARGET libmagic)
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)

if(HUSH_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HUSH_TESTS OR HUSH_BENCH)
  find_package(nlohmann_json 3 REQUIRED)
endif()
if(HUSH_INTEROP)
  pkg_check_modules(LIBSIGNAL REQUIRED IMPORTED_TARGET libsignal-protocol-c)
endif()
if(HUSH_BENCH)
  find_package(benchmark REQUIRED)
  # The load generator's XMPP driver parses the server's stream with expat (bench/load).
  find_package(EXPAT REQUIRED)
endif()
# Boost.Asio/Beast 1.81 (header-only; Boost.System is header-only since 1.69): hushd's network
# part and the client's connection to it (libs/client/transport), so every build needs it.
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS headers)
if(HUSH_SERVER)
  # CLI11, and toml++ for the config file (Debian builds it as a shared library; its .pc sets
  # TOML_HEADER_ONLY=0).
  find_package(CLI11 REQUIRED)
  pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus>=3)
endif()
