# hush_component(NAME SOURCES ...): one library per component with include/ public and src/ private,
# the project's warning flags, and nothing else. Dependencies are declared by the caller with
# target_link_libraries so that a layering mistake is a link error.
function(hush_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor)
  if(HUSH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(hush_component name)
  add_library(hush_${name} ${ARGN})
  add_library(hush::${name} ALIAS hush_${name})
  target_include_directories(hush_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                          PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  hush_warnings(hush_${name})
endfunction()

# hush_test(NAME SOURCES ... LIBS ...): a GoogleTest executable registered with CTest.
function(hush_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE HUSH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  hush_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endfunction()
