# One INTERFACE target carries warnings, sanitizers and Qt hygiene defines for every target.
add_library(wssp_options INTERFACE)

target_compile_options(wssp_options INTERFACE -Wall -Wextra -pedantic)
if(WSSP_WARNINGS_AS_ERRORS)
    target_compile_options(wssp_options INTERFACE -Werror)
endif()

if(WSSP_SANITIZE)
    target_compile_options(wssp_options INTERFACE
        -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(wssp_options INTERFACE -fsanitize=address,undefined)
endif()

target_compile_definitions(wssp_options INTERFACE
    QT_NO_FOREACH
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    WSSP_VERSION="${PROJECT_VERSION}")

# wssp_add_test(<name> SOURCES ... LIBS ... [TIMEOUT s] [BOTH_UPSTREAM_CLIENTS]
#               [BOTH_EVENT_DISPATCHERS] [ONE_WORKER]): one QtTest executable registered with CTest.
# BOTH_UPSTREAM_CLIENTS registers it a second time as <name>-qt, run with
# WSSP_TEST_UPSTREAM_CLIENT=qt (ProxyTestBase then starts its proxies with proxy.upstreamClient
# "qt"): every in-process proxy test runs against both upstream clients.
# BOTH_EVENT_DISPATCHERS registers <name>-qtloop, run with WSSP_TEST_EVENT_DISPATCHER=qt: tests
# built with WSSP_TEST_MAIN run on the epoll dispatcher by default, and this keeps the fallback
# (proxy.eventDispatcher "qt") tested too.
# ONE_WORKER registers <name>-oneworker, run with WSSP_TEST_WORKERS=1: ProxyTestBase's proxies
# run with proxy.workers 0 (one per core) by default, and this keeps the single-thread proxy
# (proxy.workers 1) tested too.
function(wssp_add_test name)
    cmake_parse_arguments(ARG "BOTH_UPSTREAM_CLIENTS;BOTH_EVENT_DISPATCHERS;ONE_WORKER" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS} Qt6::Test wssp_options)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;WSSP_BIN_DIR=${CMAKE_BINARY_DIR}/bin;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp")
    if(ARG_BOTH_UPSTREAM_CLIENTS)
        add_test(NAME ${name}-qt COMMAND ${name})
        set_tests_properties(${name}-qt PROPERTIES TIMEOUT ${ARG_TIMEOUT}
            ENVIRONMENT "QT_QPA_PLATFORM=offscreen;WSSP_BIN_DIR=${CMAKE_BINARY_DIR}/bin;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp;WSSP_TEST_UPSTREAM_CLIENT=qt")
    endif()
    if(ARG_BOTH_EVENT_DISPATCHERS)
        add_test(NAME ${name}-qtloop COMMAND ${name})
        set_tests_properties(${name}-qtloop PROPERTIES TIMEOUT ${ARG_TIMEOUT}
            ENVIRONMENT "QT_QPA_PLATFORM=offscreen;WSSP_BIN_DIR=${CMAKE_BINARY_DIR}/bin;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp;WSSP_TEST_EVENT_DISPATCHER=qt")
    endif()
    if(ARG_ONE_WORKER)
        add_test(NAME ${name}-oneworker COMMAND ${name})
        set_tests_properties(${name}-oneworker PROPERTIES TIMEOUT ${ARG_TIMEOUT}
            ENVIRONMENT "QT_QPA_PLATFORM=offscreen;WSSP_BIN_DIR=${CMAKE_BINARY_DIR}/bin;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp;WSSP_TEST_WORKERS=1")
    endif()
endfunction()
