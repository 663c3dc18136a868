"""The store, split by concern: the truth about feeds, articles, episodes and what editors
changed. Queues only carry article ids.

One API style throughout: ``store.py`` opens one engine per process and database (``Store``,
``open_store``) and creates or migrates the schema; ``schema.py`` declares every table on one
MetaData; each other module is a set of plain functions taking that ``Store`` first
(``articles.get_article(store, id)``), like celery's database backend (``models`` +
``session``) rather than objects that save themselves: the records the stages pass around stay
plain dataclasses, and a function's name says what it reads or writes."""
