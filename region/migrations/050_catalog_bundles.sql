-- 050_catalog_bundles: one catalog for all halls. Each row is one version
-- of the region's business catalog and default services, as the region
-- console publishes it: the signed bytes halls pull (payload, sig) and who
-- published it. Versions only grow; the newest row is what halls get.
-- Small and region-wide: not partitioned, not distributed (on Citus a
-- reference table: SELECT create_reference_table('catalog_bundles')).
CREATE TABLE catalog_bundles (
    version      bigint PRIMARY KEY,
    published_at timestamptz NOT NULL DEFAULT now(),
    author       text NOT NULL DEFAULT '',
    note         text NOT NULL DEFAULT '',
    payload      bytea NOT NULL,   -- the bundle's JSON, exactly the signed bytes
    sig          bytea NOT NULL    -- ed25519 over payload
);
