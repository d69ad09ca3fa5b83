"""gongji.api."""
