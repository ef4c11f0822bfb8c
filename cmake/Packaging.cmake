# Install rules and Debian packages (CPack, DEB generator, one package per component):
#
#   component proxy   -> package ws-sse-proxy:   /usr/bin/{ws-sse-proxy,sse-test-server,ws-test-client},
#                        /etc/ws-sse-proxy/settings.json (conffile), the systemd unit
#                        ws-sse-proxy.service, docs
#   component monitor -> package ws-sse-monitor: /usr/bin/ws-sse-monitor
#
# scripts/package.sh builds them (Release, CMAKE_INSTALL_PREFIX=/usr, cpack -G DEB);
# scripts/package-check.sh installs them in a fresh Debian 12 root; docs/PACKAGING.md explains.
# Included at the end of the top-level CMakeLists.txt: install(TARGETS) of targets defined in
# the subdirectories works from here (CMake >= 3.13).
#
# A plain `cmake --install BUILD --prefix P` installs the same files under P, with the unit's
# ExecStart and settings path following P (P/etc/ws-sse-proxy, P/lib/systemd/system). The Debian
# packages need the prefix /usr; cpack stops otherwise.

include(GNUInstallDirs)

set(WSSP_PACKAGE_MAINTAINER "ws-sse-proxy maintainers <maintainers@users.noreply.b-seed-b33a0511.example>"
    CACHE STRING "Maintainer field of the Debian packages")

# Where things go. For the prefix /usr, GNUInstallDirs puts the configuration in /etc.
set(WSSP_SETTINGS_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/ws-sse-proxy")
set(WSSP_SETTINGS_FILE "${WSSP_SETTINGS_DIR}/settings.json")
set(WSSP_BINDIR "${CMAKE_INSTALL_FULL_BINDIR}")
set(WSSP_DOCDIR "${CMAKE_INSTALL_FULL_DATAROOTDIR}/doc/ws-sse-proxy")
set(WSSP_MONITOR_DOCDIR "${CMAKE_INSTALL_FULL_DATAROOTDIR}/doc/ws-sse-monitor")
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    # Debian 12's systemdsystemunitdir (systemd.pc); Debian 13 moves it to /usr/lib/systemd/system.
    set(WSSP_DEFAULT_UNIT_DIR "/lib/systemd/system")
else()
    set(WSSP_DEFAULT_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(WSSP_SYSTEMD_UNIT_DIR "" CACHE PATH
    "Where ws-sse-proxy.service is installed (empty: /lib/systemd/system for the prefix /usr, else PREFIX/lib/systemd/system)")
if(WSSP_SYSTEMD_UNIT_DIR)
    set(WSSP_UNIT_DIR "${WSSP_SYSTEMD_UNIT_DIR}")
else()
    set(WSSP_UNIT_DIR "${WSSP_DEFAULT_UNIT_DIR}")
endif()

set(WSSP_PACKAGING_DIR "${PROJECT_SOURCE_DIR}/packaging")
set(WSSP_PACKAGING_OUT "${PROJECT_BINARY_DIR}/packaging")

# The unit, with this build's paths.
configure_file("${WSSP_PACKAGING_DIR}/ws-sse-proxy.service.in"
               "${WSSP_PACKAGING_OUT}/ws-sse-proxy.service" @ONLY)

# The Debian changelog, compressed as dh_installchangelogs + dh_compress would (gzip -9n: no
# name, no timestamp, so the package is reproducible). Redone when the changelog changes.
find_program(WSSP_GZIP gzip REQUIRED)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${WSSP_PACKAGING_DIR}/changelog")
execute_process(COMMAND "${WSSP_GZIP}" -9nc "${WSSP_PACKAGING_DIR}/changelog"
                OUTPUT_FILE "${WSSP_PACKAGING_OUT}/changelog.gz"
                RESULT_VARIABLE WSSP_GZIP_RESULT)
if(NOT WSSP_GZIP_RESULT EQUAL 0)
    message(FATAL_ERROR "gzip of packaging/changelog failed: ${WSSP_GZIP_RESULT}")
endif()

# The changelog's newest entry must be this version; checked again (fatally) by cpack.
file(STRINGS "${WSSP_PACKAGING_DIR}/changelog" WSSP_CHANGELOG_HEAD LIMIT_COUNT 1)
string(REGEX REPLACE "^[^ ]+ \\(([^)]+)\\).*$" "\\1" WSSP_CHANGELOG_VERSION "${WSSP_CHANGELOG_HEAD}")
if(NOT WSSP_CHANGELOG_VERSION STREQUAL PROJECT_VERSION)
    message(WARNING "packaging/changelog's newest entry is ${WSSP_CHANGELOG_VERSION}, the project "
                    "is ${PROJECT_VERSION}: add a changelog entry before building packages")
endif()

# --- component proxy: package ws-sse-proxy ---------------------------------------------------
install(TARGETS ws-sse-proxy sse-test-server ws-test-client
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT proxy)
install(FILES "${WSSP_PACKAGING_DIR}/settings.json"
        DESTINATION "${WSSP_SETTINGS_DIR}" COMPONENT proxy)
install(FILES "${WSSP_PACKAGING_OUT}/ws-sse-proxy.service"
        DESTINATION "${WSSP_UNIT_DIR}" COMPONENT proxy)
install(FILES "${WSSP_PACKAGING_OUT}/changelog.gz" "${WSSP_PACKAGING_DIR}/copyright"
              "${PROJECT_SOURCE_DIR}/README.md"
        DESTINATION "${WSSP_DOCDIR}" COMPONENT proxy)
install(FILES "${PROJECT_SOURCE_DIR}/docs/PACKAGING.md" "${PROJECT_SOURCE_DIR}/docs/SETTINGS.md"
              "${PROJECT_SOURCE_DIR}/docs/PROTOCOL.md" "${PROJECT_SOURCE_DIR}/docs/TEST-SERVER.md"
              "${PROJECT_SOURCE_DIR}/docs/TEST-CLIENT.md"
        DESTINATION "${WSSP_DOCDIR}/docs" COMPONENT proxy)

# --- component monitor: package ws-sse-monitor -----------------------------------------------
install(TARGETS ws-sse-monitor RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT monitor)
install(FILES "${WSSP_PACKAGING_OUT}/changelog.gz" "${WSSP_PACKAGING_DIR}/copyright"
        DESTINATION "${WSSP_MONITOR_DOCDIR}" COMPONENT monitor)
install(FILES "${PROJECT_SOURCE_DIR}/docs/MONITOR.md"
        DESTINATION "${WSSP_MONITOR_DOCDIR}" COMPONENT monitor)

# --- CPack -----------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ws-sse-proxy)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "ws-sse-proxy maintainers")
set(CPACK_PACKAGE_CONTACT "${WSSP_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_OUTPUT_FILE_PREFIX "${PROJECT_BINARY_DIR}/packages")
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL proxy monitor)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)                 # NAME_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SOURCE ws-sse-proxy)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)                  # Depends from the binaries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # maintainer scripts 0755, the rest 0644
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_PROXY_PACKAGE_NAME ws-sse-proxy)
set(CPACK_DEBIAN_PROXY_PACKAGE_SECTION net)
# https:// and wss:// upstreams are verified against the system's CA certificates.
set(CPACK_DEBIAN_PROXY_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_PROXY_PACKAGE_CONTROL_EXTRA
    "${WSSP_PACKAGING_DIR}/debian/ws-sse-proxy/conffiles"
    "${WSSP_PACKAGING_DIR}/debian/ws-sse-proxy/postinst"
    "${WSSP_PACKAGING_DIR}/debian/ws-sse-proxy/prerm"
    "${WSSP_PACKAGING_DIR}/debian/ws-sse-proxy/postrm")
set(CPACK_COMPONENT_PROXY_DISPLAY_NAME "ws-sse-proxy")
set(CPACK_COMPONENT_PROXY_DESCRIPTION
"WebSocket-to-SSE proxy, with a test SSE server and a test client
WebSocket clients send one JSON request (any method, headers, body); the proxy
performs it against a Server-Sent-Events server, parses the event stream and
relays every event back as JSON. It also serves /healthz, Prometheus /metrics
and a live monitor feed.
.
This package holds the proxy (ws-sse-proxy), installed as the systemd service
ws-sse-proxy.service (not enabled by default; settings in
/etc/ws-sse-proxy/settings.json), a console SSE test server (sse-test-server)
and a console WebSocket test client (ws-test-client).")

set(CPACK_DEBIAN_MONITOR_PACKAGE_NAME ws-sse-monitor)
set(CPACK_DEBIAN_MONITOR_PACKAGE_SECTION net)
# Its process panel starts sse-test-server and ws-test-client from its own directory.
set(CPACK_DEBIAN_MONITOR_PACKAGE_RECOMMENDS ws-sse-proxy)
set(CPACK_COMPONENT_MONITOR_DISPLAY_NAME "ws-sse-monitor")
set(CPACK_COMPONENT_MONITOR_DESCRIPTION
"graphical monitor for ws-sse-proxy
A Qt Widgets window on a ws-sse-proxy's monitor feed: the live sessions, one
session's events, charts of events per second and open sessions, and buttons
to run the test server and the test client.")

# Checks cpack makes before packaging (CPACK_WSSP_* are copied into CPackConfig.cmake).
set(CPACK_WSSP_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_WSSP_CHANGELOG_VERSION "${WSSP_CHANGELOG_VERSION}")
file(CONFIGURE OUTPUT "${WSSP_PACKAGING_OUT}/CPackProjectConfig.cmake" CONTENT [[
if(CPACK_GENERATOR STREQUAL "DEB")
    if(NOT CPACK_WSSP_INSTALL_PREFIX STREQUAL "/usr")
        message(FATAL_ERROR "The Debian packages need CMAKE_INSTALL_PREFIX=/usr (this build: "
                            "${CPACK_WSSP_INSTALL_PREFIX}); scripts/package.sh configures so")
    endif()
    if(NOT CPACK_WSSP_CHANGELOG_VERSION STREQUAL CPACK_PACKAGE_VERSION)
        message(FATAL_ERROR "packaging/changelog's newest entry is "
                            "${CPACK_WSSP_CHANGELOG_VERSION}, the packages are "
                            "${CPACK_PACKAGE_VERSION}: add a changelog entry")
    endif()
endif()
]] @ONLY)
set(CPACK_PROJECT_CONFIG_FILE "${WSSP_PACKAGING_OUT}/CPackProjectConfig.cmake")

include(CPack)
