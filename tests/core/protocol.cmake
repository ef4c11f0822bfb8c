# protocol codec, settings and HTTP head tests
