#!/bin/sh
# 在本文件夹中建立 kq-env，只从 wheels 文件夹安装 kq @VERSION@（不连网）。
set -e
here=$(cd "$(dirname "$0")" && pwd)
check='import sys; sys.exit(not (sys.version_info[:2] in [(3, 11), (3, 12)] and sys.maxsize > 2**32))'
python=""
for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "$check" 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    echo "未找到 64 位的 Python 3.11 或 3.12。请先安装 Python，再运行本文件。" >&2
    exit 1
fi
echo "正在用 $python 安装 kq @VERSION@，约需一两分钟……"
if ! "$python" -m venv "$here/kq-env"; then
    echo "无法建立虚拟环境；Debian/Ubuntu/统信 UOS 上请先安装 python3-venv（或 python3.11-venv）。" >&2
    exit 1
fi
"$here/kq-env/bin/python" -m pip install --no-index --find-links "$here/wheels" "kuangquan-cli[portal]==@VERSION@" || {
    echo "安装未完成，请把以上信息发给技术支持。" >&2
    exit 1
}
sh "$here/kq" --version
echo
echo "安装完成。运行 $here/kq --help 查看用法。"
