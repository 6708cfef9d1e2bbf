"""The operator's measuring tools: the benchmarks (``taizhang bench``), the capacity model they
feed, and the bounded load run (``taizhang load``). Nothing the service runs imports them."""
