# SSE parser, UTF-8 decoder and writer tests
