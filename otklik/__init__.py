"""Otklik («Отклик»): the platform of a municipal management centre (МЦУ)."""

__version__ = "0.1.0"
