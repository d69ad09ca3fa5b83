"""gongji.service."""
