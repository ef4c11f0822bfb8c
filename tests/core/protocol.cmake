# protocol codec, settings and HTTP head tests
wssp_add_test(tst_proxyrequest SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_proxyrequest.cpp LIBS wssp_core)
wssp_add_test(tst_proxymessages SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_proxymessages.cpp LIBS wssp_core)
wssp_add_test(tst_settings SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_settings.cpp LIBS wssp_core)
wssp_add_test(tst_httprequesthead SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_httprequesthead.cpp LIBS wssp_core)
wssp_add_test(tst_signalwatcher SOURCES tst_signalwatcher.cpp LIBS wssp_core)
wssp_add_test(tst_upstreampolicy SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_upstreampolicy.cpp LIBS wssp_core)
wssp_add_test(tst_hostport SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_hostport.cpp LIBS wssp_net)
