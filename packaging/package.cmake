# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian package of the plugin, one per Wireshark minor series (a plugin loads only into the
# series it was built for). Included last by the top-level CMakeLists.txt:
#
#   include(packaging/package.cmake)
#
# then `cpack -G DEB --config <build>/CPackConfig.cmake` (or the `package` target) writes
# wireshark-plugin-ws1002_<version>_ws<major>.<minor>_<arch>.deb into the build directory.
# Only the install() rules of component WS1002_PACKAGE_COMPONENT go into the package: the plugin,
# the profile ws1002 in share/wireshark/profiles (plugin/CMakeLists.txt) and the docs. Its
# Depends come from dpkg-shlibdeps: libwireshark16 is 4.0, libwireshark18 4.4, libwireshark19
# 4.6, so the library package pins the series.

set(WS1002_PACKAGE_COMPONENT "plugin" CACHE STRING "install() component packaged by CPack")
set(WS1002_PACKAGE_MAINTAINER "ws1002 maintainers <ws1002@invalid>"
    CACHE STRING "Maintainer field of the Debian package")

if(NOT DEFINED Wireshark_MAJOR_VERSION)
  # The plugin's directory found Wireshark in its own scope; the version is all we need here.
  find_package(Wireshark CONFIG QUIET)
endif()
find_program(WS1002_DPKG dpkg)
if(NOT Wireshark_FOUND OR NOT WS1002_DPKG)
  message(STATUS "ws1002: no Debian package (needs Wireshark's CMake config and dpkg)")
  return()
endif()

execute_process(COMMAND ${WS1002_DPKG} --print-architecture
                OUTPUT_VARIABLE ws1002_deb_arch OUTPUT_STRIP_TRAILING_WHITESPACE)
set(ws1002_series "${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}")

# Debian policy wants the copyright file in the package's doc folder.
set(ws1002_docdir share/doc/wireshark-plugin-ws1002)
foreach(ws1002_license COPYING LICENSE)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${ws1002_license})
    install(FILES ${PROJECT_SOURCE_DIR}/${ws1002_license} DESTINATION ${ws1002_docdir}
            RENAME copyright COMPONENT ${WS1002_PACKAGE_COMPONENT})
    break()
  endif()
endforeach()
if(EXISTS ${PROJECT_SOURCE_DIR}/README.md)
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${ws1002_docdir}
          COMPONENT ${WS1002_PACKAGE_COMPONENT})
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wireshark-plugin-ws1002)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR ws1002)
set(CPACK_PACKAGE_CONTACT "${WS1002_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Wireshark ${ws1002_series} plugin naming the WebSocket rule a peer broke")
set(CPACK_PACKAGE_DESCRIPTION
    "Adds the ws protocol to Wireshark ${ws1002_series}. For every WebSocket frame it checks the\n\
rules of RFC 6455 and RFC 7692 (permessage-deflate) and reports each violation as an expert\n\
info naming the rule, the RFC section and the close code the receiver must send; the results\n\
are display filter fields (ws.*). The configuration profile ws1002 (in Wireshark's global\n\
profiles) adds columns for the rule and the expected close, coloring rules and filter buttons.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_CMAKE_PROJECTS
    "${PROJECT_BINARY_DIR};${PROJECT_NAME};${WS1002_PACKAGE_COMPONENT};/")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME ${CPACK_PACKAGE_NAME})
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${ws1002_deb_arch})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${WS1002_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "wireshark | tshark")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_FILE_NAME
    "${CPACK_DEBIAN_PACKAGE_NAME}_${PROJECT_VERSION}_ws${ws1002_series}_${ws1002_deb_arch}.deb")

include(CPack)
