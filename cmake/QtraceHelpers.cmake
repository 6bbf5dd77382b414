# Helper functions shared by the qtrace build.

# qtrace_flatbuffers(<target> SCHEMAS a.fbs b.fbs ...)
# Generates C++ headers with the Debian flatc into the build tree and exposes
# them through an INTERFACE target that consumers link.
function(qtrace_flatbuffers target)
  cmake_parse_arguments(ARG "" "" "SCHEMAS" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/generated/qtrace/fb)
  file(MAKE_DIRECTORY ${out_dir})
  set(headers)
  foreach(schema ${ARG_SCHEMAS})
    get_filename_component(abs ${schema} ABSOLUTE)
    get_filename_component(name ${schema} NAME_WE)
    set(header ${out_dir}/${name}_generated.h)
    add_custom_command(
      OUTPUT ${header}
      COMMAND flatbuffers::flatc --cpp --scoped-enums
              -o ${out_dir} -I ${CMAKE_CURRENT_SOURCE_DIR}/schemas ${abs}
      DEPENDS ${abs} flatbuffers::flatc
      COMMENT "flatc ${name}.fbs"
      VERBATIM)
    list(APPEND headers ${header})
  endforeach()
  add_custom_target(${target}_gen DEPENDS ${headers})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} INTERFACE
    $<BUILD_INTERFACE:${CMAKE_CURRENT_BINARY_DIR}/generated>)
endfunction()

# qtrace_add_test(<name> SOURCES ... LIBS ...)
# One GoogleTest binary; tests are discovered before each run and prefixed with
# the binary's name so ctest output says where a test lives.
function(qtrace_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
    DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${ARG_TIMEOUT})
endfunction()
