-- The metrics endpoint counts the emails the outbox gave up on at every scrape
-- (store.Backlog). Sent mail grows with every complaint; this index holds only the
-- failed, so the count reads a handful of entries, not the whole outbox.
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';
