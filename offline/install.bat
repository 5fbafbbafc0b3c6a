@echo off
rem 在本文件夹中建立 kq-env，只从 wheels 文件夹安装 kq @VERSION@（不连网）。
setlocal
cd /d "%~dp0"
set "CHECK=import sys; sys.exit(not (sys.version_info[:2] in [(3, 11), (3, 12)] and sys.maxsize > 2**32))"
set "PY="
py -3.11 -c "%CHECK%" >nul 2>&1 && set "PY=py -3.11"
if not defined PY (
    py -3.12 -c "%CHECK%" >nul 2>&1 && set "PY=py -3.12"
)
if not defined PY (
    python -c "%CHECK%" >nul 2>&1 && set "PY=python"
)
if not defined PY (
    echo 未找到 64 位的 Python 3.11 或 3.12。请先安装 Python，再运行本文件。
    goto failed
)
echo 正在用 %PY% 安装 kq @VERSION@，约需一两分钟……
%PY% -m venv kq-env || goto failed
"kq-env\Scripts\python.exe" -m pip install --no-index --find-links wheels "kuangquan-cli[portal]==@VERSION@" || goto failed
call "%~dp0kq.bat" --version || goto failed
echo.
echo 安装完成。在本文件夹中打开命令提示符，运行 kq --help 查看用法。
pause
exit /b 0

:failed
echo.
echo 安装未完成，请把以上信息截图发给技术支持。
pause
exit /b 1
