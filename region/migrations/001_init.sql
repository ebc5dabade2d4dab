-- 001_init: the region store. Every table that grows with time is
-- partitioned by month (declarative RANGE partitioning on a date or
-- timestamp); the shipper and the migration create the partitions ahead
-- (region_ensure_month). Every primary key starts with hall_id, the
-- distribution key: on Citus, SELECT create_distributed_table('events',
-- 'hall_id') and the same for tickets, ratings, cases and ship_cursors
-- moves each hall's rows to one worker without changing a query.
--
-- Personal data never reaches these tables: the hall's feed carries no
-- phone, no 户号, no customer name (see docs/region.md, "Shipping").

-- halls: one row per hall that ever shipped; the console lists these.
CREATE TABLE halls (
    hall_id    text PRIMARY KEY,
    name_zh    text NOT NULL DEFAULT '',
    name_en    text NOT NULL DEFAULT '',
    timezone   text NOT NULL DEFAULT 'Asia/Shanghai',
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now()
);

-- ship_cursors: the region's own cursor, one row per (hall, epoch): the last
-- sequence number of that epoch the region holds. A shipper reads it here,
-- never from a local file, so a hall restored from a backup or a shipper on
-- another machine resumes exactly where the region is.
CREATE TABLE ship_cursors (
    hall_id    text NOT NULL,
    epoch      text NOT NULL,
    seq        bigint NOT NULL,
    event_at   timestamptz,              -- when that event happened in the hall
    shipped_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall_id, epoch)
);

-- events: the raw feed, one row per hall event, deduplicated by
-- (hall_id, epoch, seq) — a re-sent event has the same "at", so it lands in
-- the same partition and the primary key refuses it.
CREATE TABLE events (
    hall_id text        NOT NULL,
    epoch   text        NOT NULL,
    seq     bigint      NOT NULL,
    type    text        NOT NULL,
    at      timestamptz NOT NULL,
    day     date        NOT NULL,
    actor   text        NOT NULL DEFAULT '',
    counter int         NOT NULL DEFAULT 0,
    ticket  bigint      NOT NULL DEFAULT 0,
    reason  text        NOT NULL DEFAULT '',
    score   smallint,                    -- service_rated / rating_expired: 1–5, 0 未评价
    item    text        NOT NULL DEFAULT '',
    class   text        NOT NULL DEFAULT '',
    tickets jsonb,                       -- the event's tickets as exported (masked)
    PRIMARY KEY (hall_id, epoch, seq, at)
) PARTITION BY RANGE (at);

-- tickets: one row per ticket (its latest state), the facts every figure is
-- computed from. wait_s = floor(called_at − issued_at) of the first call;
-- service_s = finished_at − started_at. transferred: the ticket continues a
-- transfer (not a new customer, as in the hall's report).
CREATE TABLE tickets (
    hall_id     text        NOT NULL,
    day         date        NOT NULL,
    ticket_id   bigint      NOT NULL,
    number      text        NOT NULL,
    service     text        NOT NULL,
    priority    text        NOT NULL DEFAULT 'normal',
    status      text        NOT NULL,
    item        text        NOT NULL DEFAULT '',
    class       text        NOT NULL DEFAULT '',
    issued_at   timestamptz NOT NULL,
    called_at   timestamptz,
    started_at  timestamptz,
    finished_at timestamptz,
    wait_s      int,
    service_s   int,
    target_wait_s int,
    counter     int         NOT NULL DEFAULT 0,
    clerk       text        NOT NULL DEFAULT '',  -- staff user id, not a customer
    transferred boolean     NOT NULL DEFAULT false,
    rev         int         NOT NULL DEFAULT 0,
    epoch       text        NOT NULL,             -- of the event that wrote this state
    seq         bigint      NOT NULL,
    PRIMARY KEY (hall_id, day, ticket_id)
) PARTITION BY RANGE (day);

-- ratings: one row per rated (or 未评价) finished service.
CREATE TABLE ratings (
    hall_id   text        NOT NULL,
    day       date        NOT NULL,
    ticket_id bigint      NOT NULL,
    score     smallint    NOT NULL,           -- 1–5, 0 未评价
    reason    text        NOT NULL DEFAULT '',
    counter   int         NOT NULL DEFAULT 0,
    clerk     text        NOT NULL DEFAULT '',
    service   text        NOT NULL DEFAULT '',
    class     text        NOT NULL DEFAULT '',
    at        timestamptz NOT NULL,
    PRIMARY KEY (hall_id, day, ticket_id)
) PARTITION BY RANGE (day);

-- cases: what the case workflows did (四类业务): one row per event that
-- recorded a case, opened or updated a work order or asked for an approval.
CREATE TABLE cases (
    hall_id text        NOT NULL,
    epoch   text        NOT NULL,
    seq     bigint      NOT NULL,
    day     date        NOT NULL,
    at      timestamptz NOT NULL,
    kind    text        NOT NULL,             -- the event type
    ticket  bigint      NOT NULL DEFAULT 0,
    item    text        NOT NULL DEFAULT '',
    class   text        NOT NULL DEFAULT '',  -- immediate | cross_department | needs_approval | must_refuse
    PRIMARY KEY (hall_id, epoch, seq, day)
) PARTITION BY RANGE (day);

CREATE INDEX tickets_day ON tickets (day, hall_id);
CREATE INDEX events_type ON events (hall_id, type, at);

-- region_ensure_month creates the monthly partition of every partitioned
-- table for the month holding d (idempotent).
CREATE FUNCTION region_ensure_month(d date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    lo date := date_trunc('month', d)::date;
    hi date := (date_trunc('month', d) + interval '1 month')::date;
    sfx text := to_char(lo, 'YYYYMM');
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['events', 'tickets', 'ratings', 'cases'] LOOP
        IF to_regclass(t || '_' || sfx) IS NULL THEN
            IF t = 'events' THEN
                -- at is a timestamptz: the month in China time, where the halls are
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                    t || '_' || sfx, t, lo::text || ' 00:00:00+08', hi::text || ' 00:00:00+08');
            ELSE
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                    t || '_' || sfx, t, lo, hi);
            END IF;
        END IF;
    END LOOP;
END $$;
