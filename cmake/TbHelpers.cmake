# Helpers every component uses, so that all targets get the same flags and every test the same
# labels. See STYLE.md ("Build", "Tests and benchmarks").

# Flags shared by every tickbench target. -ffp-contract=off: seeded runs must give the same bits
# with every compiler and CPU, so no fused multiply-add is formed behind the code's back.
add_library(tb_flags INTERFACE)
target_compile_options(tb_flags INTERFACE
    -Wall -Wextra -Wpedantic -fno-omit-frame-pointer -ffp-contract=off
    $<$<BOOL:${TB_WERROR}>:-Werror>)
target_include_directories(tb_flags INTERFACE ${CMAKE_SOURCE_DIR})

if(TB_SANITIZE OR TB_FUZZ)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()
if(TB_FUZZ)
    # Coverage instrumentation for every library a fuzz target links, so libFuzzer is guided by
    # the code under test and not only by the target's own file.
    add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# tb_add_library(NAME <component> SOURCES ... [DEPS ...])
# Creates target tb_<component> with alias tb::<component>. DEPS are linked PUBLIC.
function(tb_add_library)
    cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
    add_library(tb_${ARG_NAME} STATIC ${ARG_SOURCES})
    add_library(tb::${ARG_NAME} ALIAS tb_${ARG_NAME})
    target_link_libraries(tb_${ARG_NAME} PUBLIC tb_flags ${ARG_DEPS})
endfunction()

# tb_add_executable(NAME <binary> SOURCES ... [DEPS ...])
# A user-facing binary, placed in <build>/bin.
function(tb_add_executable)
    cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
    add_executable(${ARG_NAME} ${ARG_SOURCES})
    target_link_libraries(${ARG_NAME} PRIVATE tb_flags ${ARG_DEPS})
    set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()

# tb_add_test(NAME <name> SOURCES ... LABELS <unit|integration|scenario> <component>...
#             [DEPS ...] [ARGS ...] [TIMEOUT <seconds>] [ENVIRONMENT ...] [RESOURCE_LOCK ...]
#             [RUN_SERIAL] [NO_GTEST_MAIN])
# One GoogleTest binary per unit, registered with ctest under NAME and its labels, so that
# `ctest -L unit` is the fast suite and `ctest -L net` one component.
function(tb_add_test)
    cmake_parse_arguments(ARG "RUN_SERIAL;NO_GTEST_MAIN" "NAME;TIMEOUT"
        "SOURCES;LABELS;DEPS;ARGS;ENVIRONMENT;RESOURCE_LOCK" ${ARGN})
    if(NOT ARG_LABELS)
        message(FATAL_ERROR "tb_add_test(${ARG_NAME}): LABELS are required (unit/integration/scenario plus the component)")
    endif()
    add_executable(${ARG_NAME} ${ARG_SOURCES})
    if(ARG_NO_GTEST_MAIN)
        target_link_libraries(${ARG_NAME} PRIVATE tb_flags GTest::gtest GTest::gmock ${ARG_DEPS})
    else()
        target_link_libraries(${ARG_NAME} PRIVATE tb_flags GTest::gtest_main GTest::gmock ${ARG_DEPS})
    endif()
    set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} ${ARG_ARGS})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 300)
    endif()
    set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
    if(ARG_ENVIRONMENT)
        set_tests_properties(${ARG_NAME} PROPERTIES ENVIRONMENT "${ARG_ENVIRONMENT}")
    endif()
    if(ARG_RESOURCE_LOCK)
        set_tests_properties(${ARG_NAME} PROPERTIES RESOURCE_LOCK "${ARG_RESOURCE_LOCK}")
    endif()
    if(ARG_RUN_SERIAL)
        set_tests_properties(${ARG_NAME} PROPERTIES RUN_SERIAL TRUE)
    endif()
endfunction()

# tb_add_bench(NAME <bench_component> SOURCES ... [DEPS ...])
# A Google Benchmark binary in <build>/bench; scripts/bench runs them and keeps their JSON.
function(tb_add_bench)
    cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
    add_executable(${ARG_NAME} ${ARG_SOURCES})
    target_link_libraries(${ARG_NAME} PRIVATE tb_flags benchmark::benchmark ${ARG_DEPS})
    set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endfunction()

if(TB_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TB_FUZZ needs clang's libFuzzer: configure with "
        "CC=clang CXX=clang++ (scripts/bootstrap installs clang)")
endif()

# tb_add_fuzz(NAME <fuzz_name> SOURCES ... LABELS <component> [DEPS ...] [CORPUS <dir>...])
# SOURCES define LLVMFuzzerTestOneInput(const uint8_t*, size_t).
#  - TB_FUZZ=ON (clang): a libFuzzer binary; ctest runs it for TB_FUZZ_SECONDS (label fuzz).
#  - otherwise: the same function linked to tests/fuzz/driver.cpp, which replays the CORPUS
#    files and seeded random and mutated inputs; ctest runs it as a unit test, so the default
#    sanitized test run exercises every target.
function(tb_add_fuzz)
    cmake_parse_arguments(ARG "" "NAME" "SOURCES;LABELS;DEPS;CORPUS" ${ARGN})
    if(TB_FUZZ)
        add_executable(${ARG_NAME} ${ARG_SOURCES})
        target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
        target_link_libraries(${ARG_NAME} PRIVATE tb_flags ${ARG_DEPS})
        set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
        add_test(NAME ${ARG_NAME}
            COMMAND ${ARG_NAME} -max_total_time=${TB_FUZZ_SECONDS} -timeout=10 ${ARG_CORPUS})
        set_tests_properties(${ARG_NAME} PROPERTIES LABELS "fuzz;${ARG_LABELS}"
            TIMEOUT 600)
    elseif(TB_TESTS)
        add_executable(${ARG_NAME} ${ARG_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/driver.cpp)
        target_link_libraries(${ARG_NAME} PRIVATE tb_flags ${ARG_DEPS})
        set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
        add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} ${ARG_CORPUS})
        set_tests_properties(${ARG_NAME} PROPERTIES LABELS "unit;fuzz-replay;${ARG_LABELS}"
            TIMEOUT 300)
    endif()
endfunction()
