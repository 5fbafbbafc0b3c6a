"""kq — 盘活矿业权台账校验、汇总与周报。

The library API lives in the submodules; ``kuangquan_cli.cli`` is only a thin click layer.
"""

__version__ = "0.1.0"
