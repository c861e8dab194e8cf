"""The coordination meeting (秘书长联席会议): agenda drafted from what is in trouble, minutes and
decisions turned into supervision items."""
