"""gongji.domain."""
