# Two commands do all set-up on a fresh clone:
#   make demo   install, then crawl the bundled offline demo site into output/
#   make test   install (with test extras), then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install install-test constraints demo test lint bench-quality bench-comments bench-dedupe bench-crawl clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# constraints.txt pins every package to the versions the README's figures were measured with;
# pyproject.toml keeps ranges (for users installing newsarchive into their own environment).
install: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'

# Re-pin from the current .venv after upgrading a package there (pip install -U ...; then make test).
constraints: $(BIN)/python
	{ sed -n '/^#/p' constraints.txt; $(BIN)/pip freeze --all --exclude-editable | grep -v '^pip=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

demo: install
	$(BIN)/newsarchive demo --output output

# The suite mostly waits on crawl subprocesses talking to loopback sites: two pytest processes
# (pytest-xdist) halve its time on 2 cores. A file's tests stay on one process (--dist loadfile),
# so module-scoped crawls run once. TEST_PROCESSES=0 runs it in this process.
TEST_PROCESSES ?= 2

test: install-test
	$(BIN)/ruff check newsarchive tests benchmarks
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES) --dist loadfile

lint: install-test
	$(BIN)/ruff check newsarchive tests benchmarks

# Benchmarks (benchmarks/README.md). bench-dedupe runs on a plain clone; bench-quality,
# bench-comments and bench-crawl need the page corpus: CORPUS=/path/to/corpus (default ../shared/corpus).
CORPUS ?= ../shared/corpus
need_corpus = @test -d $(CORPUS)/pages || { echo "make $@ needs the page corpus (pages/ and expected.json): CORPUS=/path/to/corpus make $@ (default ../shared/corpus)" >&2; exit 2; }

bench-quality: install
	$(need_corpus)
	$(BIN)/python benchmarks/quality.py --corpus $(CORPUS)

bench-comments: install
	$(need_corpus)
	$(BIN)/python benchmarks/comments.py --corpus $(CORPUS) --floor benchmarks/comments_floor.json

bench-dedupe: install
	$(BIN)/python benchmarks/dedupe.py

bench-crawl: install
	$(need_corpus)
	$(BIN)/python benchmarks/crawl.py --corpus $(CORPUS)/pages --pages 5000 --repeats 1

clean:
	rm -rf $(VENV) output/runs output/state *.egg-info
