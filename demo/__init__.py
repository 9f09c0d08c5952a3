"""The demo: invented people, their source files, the loader; ``bench/`` imports it from here.

``demo.loader.generate`` invents people with Faker (deterministic for a seed) and derives the rows
each source would hold about them, with the flaws real exports have: typos, nicknames, umlaut
spellings, old addresses and maiden names in older sources, missing fields, varied phone formats,
duplicates and households. Every row keeps the index of the person behind it, so tests can compare
what identity resolution finds with the truth. ``demo.loader.build_demo`` imports the files into a
store; ``demo.cli`` is the ``cdp demo`` command.

The demo sits above the core: it imports ``cdp``, and ``cdp`` never imports it. Nothing here is
imported until it is used, so the other ``cdp`` commands never load Faker.
"""
