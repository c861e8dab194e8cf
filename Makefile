# jianfu — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PORT   ?= 8000
BIN     = $(VENV)/bin

.PHONY: demo test gettext office chromium nginx install install-test serve worker lint format messages bench clean

# The stamp is newer than pyproject.toml once the project is installed: a second `make demo`
# skips the install and starts fast.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

install-test: $(BIN)/.installed-test

demo: install
	$(BIN)/jianfu migrate --noinput
	$(BIN)/jianfu demo
	PORT=$(PORT) $(BIN)/jianfu serve --port $(PORT) --with-worker

# The catalogue test runs makemessages, which needs GNU gettext: installed here when missing.
gettext:
	@command -v xgettext >/dev/null || { command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq gettext >/dev/null; } \
		|| { echo "GNU gettext is needed by the tests: install the 'gettext' package"; exit 1; }

# The bulletin's PDF is drawn by LibreOffice headless (with CJK fonts of the right metrics); the
# PDF test needs it: installed here when missing.
office:
	@command -v soffice >/dev/null || { command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui fonts-noto-cjk \
		fonts-arphic-ukai fonts-arphic-uming >/dev/null; } \
		|| { echo "LibreOffice is needed for the bulletin's PDF: install 'libreoffice-writer-nogui'"; exit 1; }

# The browser tests drive Debian's Chromium (Playwright's own browser download is never used):
# installed here when missing.
chromium:
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "Chromium is needed by the browser tests: install the 'chromium' package"; exit 1; }

# The deployment test starts nginx with deploy/nginx/jianfu.conf: installed here when missing.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq nginx >/dev/null; } \
		|| { echo "nginx is needed by the deployment test: install the 'nginx' package"; exit 1; }

test: install-test gettext office chromium nginx
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

serve: install
	$(BIN)/jianfu serve --port $(PORT) --with-worker

worker: install
	$(BIN)/jianfu worker

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the English catalogue after changing user-facing strings (needs GNU gettext).
messages: install
	cd jianfu && ../$(BIN)/python ../manage.py makemessages -l en --no-obsolete
	cd jianfu && ../$(BIN)/python ../manage.py compilemessages -l en

bench: install
	$(BIN)/python bench/units.py

clean:
	rm -rf var
