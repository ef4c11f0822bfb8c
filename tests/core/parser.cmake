# SSE parser, UTF-8 decoder and writer tests
set(WSSP_PARSER_TEST_DATA "${CMAKE_CURRENT_SOURCE_DIR}/../data")

wssp_add_test(tst_sseparser SOURCES tst_sseparser.cpp LIBS wssp_core)
target_compile_definitions(tst_sseparser PRIVATE WSSP_TEST_DATA_DIR="${WSSP_PARSER_TEST_DATA}")

wssp_add_test(tst_utf8decoder SOURCES tst_utf8decoder.cpp LIBS wssp_core)
target_compile_definitions(tst_utf8decoder PRIVATE WSSP_TEST_DATA_DIR="${WSSP_PARSER_TEST_DATA}")

wssp_add_test(tst_ssewriter SOURCES tst_ssewriter.cpp LIBS wssp_core)
wssp_add_test(tst_samplestreams SOURCES tst_samplestreams.cpp LIBS wssp_core)
target_compile_definitions(tst_samplestreams PRIVATE WSSP_RESOURCES="${PROJECT_SOURCE_DIR}/resources")

wssp_add_test(tst_httpresponsereader SOURCES tst_httpresponsereader.cpp LIBS wssp_core)
