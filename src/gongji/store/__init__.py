"""gongji.store."""
