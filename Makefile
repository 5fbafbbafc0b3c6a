# kq — make demo / make test on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint install bench bundle clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,portal]'
	touch $(STAMP)

install: $(STAMP)

LINT_STAMP := $(VENV)/.installed-lint
$(LINT_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,portal,lint]'
	touch $(LINT_STAMP)

demo: install
	@echo "== 校验全区第 37 周台账（应无错误，且与方案底数一致）"
	$(BIN)/kq validate --week 37 sample_ledgers/2022-W37/*.xlsx
	@echo "== 校验几份带典型错误的台账（应逐一指出错误单元格）"
	-$(BIN)/kq validate --week 38 sample_ledgers/flawed/*.xlsx sample_ledgers/flawed/*.csv
	@echo "== 汇总第 37、38 周台账并存入数据库（第 38 周阿拉善盟未报送，汇总报错属预期）"
	$(BIN)/kq merge sample_ledgers/2022-W37 --db out/kq.db --out out/汇总台账_2022-W37.xlsx
	-$(BIN)/kq merge sample_ledgers/2022-W38 --db out/kq.db --out out/汇总台账_2022-W38.xlsx
	@echo "== 生成第 38 周通报"
	$(BIN)/kq report --week 38 --db out/kq.db

test: install
	$(BIN)/python -m pytest -q

# everything but the tests marked slow (LibreOffice, Chromium, writing the sample region, long property runs)
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

# ruff (pyflakes, imports, bugbear, line length), mypy on src/, and the layer contract in pyproject.toml
lint: $(LINT_STAMP)
	$(BIN)/ruff check src tests benchmarks offline
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# the offline bundle for intranet PCs: dist/kq-offline-<version>/ and its .zip (offline/bundle.py)
bundle: install
	$(BIN)/python offline/bundle.py --out dist

clean:
	rm -rf $(VENV) out kq.db .pytest_cache dist
