-- 002_day_rollups: one row per hall, day and service with the sums every
-- headline figure needs, and the day's waits (sorted) for exact
-- percentiles. The shipper recomputes the rows of the days a shipment
-- touched from tickets and ratings (in the shipment's transaction), so
-- they always agree with them; a year of a hundred halls is ~220,000 rows
-- instead of ~11 million tickets (docs/region.md, "Capacity").
CREATE TABLE ticket_days (
    hall_id     text   NOT NULL,
    day         date   NOT NULL,
    service     text   NOT NULL,
    customers   int    NOT NULL,  -- tickets not continuing a transfer
    called      int    NOT NULL,  -- customers called
    served      int    NOT NULL,  -- customers done with a service time
    no_shows    int    NOT NULL,
    cancelled   int    NOT NULL,
    wait_sum    bigint NOT NULL,  -- of the called customers' waits
    max_wait    int    NOT NULL,
    within      int    NOT NULL,  -- called within the service's target wait
    service_sum bigint NOT NULL,  -- of the served customers' service times
    finished    int    NOT NULL,  -- tickets done (transfers too): the satisfaction base
    rated       int    NOT NULL,  -- of them rated 1–5
    satisfied   int    NOT NULL,  -- rated 4–5
    low         int    NOT NULL,  -- rated 1–2
    PRIMARY KEY (hall_id, day, service)
);
CREATE INDEX ticket_days_day ON ticket_days (day);

CREATE TABLE wait_days (
    hall_id text  NOT NULL,
    day     date  NOT NULL,
    service text  NOT NULL,
    waits   int[] NOT NULL,       -- the called customers' waits, ascending
    PRIMARY KEY (hall_id, day, service)
);

-- region_refresh_days recomputes the rollups of one hall's days.
CREATE FUNCTION region_refresh_days(h text, days date[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM ticket_days WHERE hall_id = h AND day = ANY(days);
    DELETE FROM wait_days WHERE hall_id = h AND day = ANY(days);
    INSERT INTO ticket_days
    SELECT t.hall_id, t.day, t.service,
        count(*) FILTER (WHERE NOT t.transferred),
        count(*) FILTER (WHERE NOT t.transferred AND t.wait_s IS NOT NULL),
        count(*) FILTER (WHERE NOT t.transferred AND t.status = 'done' AND t.service_s >= 0),
        count(*) FILTER (WHERE NOT t.transferred AND t.status = 'no_show'),
        count(*) FILTER (WHERE NOT t.transferred AND t.status = 'cancelled'),
        coalesce(sum(t.wait_s) FILTER (WHERE NOT t.transferred), 0),
        coalesce(max(t.wait_s) FILTER (WHERE NOT t.transferred), 0),
        count(*) FILTER (WHERE NOT t.transferred AND t.wait_s IS NOT NULL
            AND t.wait_s <= CASE WHEN coalesce(t.target_wait_s, 0) > 0 THEN t.target_wait_s ELSE 600 END),
        coalesce(sum(t.service_s) FILTER (WHERE NOT t.transferred AND t.status = 'done' AND t.service_s >= 0), 0),
        count(*) FILTER (WHERE t.status = 'done'),
        count(*) FILTER (WHERE t.status = 'done' AND r.score BETWEEN 1 AND 5),
        count(*) FILTER (WHERE t.status = 'done' AND r.score >= 4),
        count(*) FILTER (WHERE t.status = 'done' AND r.score BETWEEN 1 AND 2)
    FROM tickets t
    LEFT JOIN ratings r ON r.hall_id = t.hall_id AND r.day = t.day AND r.ticket_id = t.ticket_id
    WHERE t.hall_id = h AND t.day = ANY(days)
    GROUP BY t.hall_id, t.day, t.service;
    INSERT INTO wait_days
    SELECT hall_id, day, service, array_agg(wait_s ORDER BY wait_s)
    FROM tickets
    WHERE hall_id = h AND day = ANY(days) AND NOT transferred AND wait_s IS NOT NULL
    GROUP BY hall_id, day, service;
$$;
