"""taizhang (台账): service layer, configuration and command line."""
