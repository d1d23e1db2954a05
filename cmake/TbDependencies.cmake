# Dependencies come from Debian packages only (scripts/bootstrap installs them); nothing is
# downloaded at configure or build time. Each lookup fails with the command that fixes it.

set(TB_BOOTSTRAP_HINT "run scripts/bootstrap (it installs the Debian packages tickbench needs)")

find_package(Threads REQUIRED)

find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
    message(FATAL_ERROR "pkg-config not found: ${TB_BOOTSTRAP_HINT}")
endif()

# DPDK 22.11 through pkg-config, as Debian's libdpdk-dev ships it.
pkg_check_modules(DPDK QUIET IMPORTED_TARGET libdpdk>=22.11)
if(NOT DPDK_FOUND)
    message(FATAL_ERROR "DPDK (pkg-config libdpdk >= 22.11) not found: ${TB_BOOTSTRAP_HINT}")
endif()

# The ring driver (rte_eth_from_rings) and the virtual-device bus (rte_vdev_init) are called
# directly and the memif driver is created by name, so all three are linked explicitly:
# pkg-config's --as-needed list names none of them, and a build that does not rely on EAL's
# plugin folder behaves the same on every DPDK packaging.
foreach(pmd net_ring net_memif bus_vdev)
    find_library(TB_RTE_${pmd} NAMES rte_${pmd} HINTS ${DPDK_LIBRARY_DIRS})
    if(NOT TB_RTE_${pmd})
        message(FATAL_ERROR "DPDK driver library librte_${pmd} not found: ${TB_BOOTSTRAP_HINT}")
    endif()
endforeach()
add_library(tb_dpdk INTERFACE)
target_link_libraries(tb_dpdk INTERFACE
    PkgConfig::DPDK
    "-Wl,--push-state,--no-as-needed" ${TB_RTE_net_ring} ${TB_RTE_net_memif} ${TB_RTE_bus_vdev}
    "-Wl,--pop-state")
add_library(tb::dpdk ALIAS tb_dpdk)

find_package(Boost 1.74 QUIET COMPONENTS program_options)
if(NOT Boost_FOUND)
    message(FATAL_ERROR "Boost (libboost-dev, libboost-program-options-dev) not found: ${TB_BOOTSTRAP_HINT}")
endif()

find_package(yaml-cpp QUIET)
if(NOT yaml-cpp_FOUND)
    message(FATAL_ERROR "yaml-cpp (libyaml-cpp-dev) not found: ${TB_BOOTSTRAP_HINT}")
endif()

if(TB_TESTS)
    find_package(GTest QUIET)
    if(NOT GTest_FOUND)
        message(FATAL_ERROR "GoogleTest (libgtest-dev, libgmock-dev) not found: ${TB_BOOTSTRAP_HINT}")
    endif()
endif()

if(TB_BENCHMARKS)
    find_package(benchmark QUIET)
    if(NOT benchmark_FOUND)
        message(FATAL_ERROR "Google Benchmark (libbenchmark-dev) not found: ${TB_BOOTSTRAP_HINT}")
    endif()
endif()
