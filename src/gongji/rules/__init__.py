"""gongji.rules."""
