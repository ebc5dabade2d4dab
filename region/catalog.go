package region

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/casework/cases"
	"hallq/catalogsync"
	"hallq/queue"
)

// BundleInfo is one published version of the region's catalog.
type BundleInfo struct {
	Version     int64     `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	Author      string    `json:"author"`
	Note        string    `json:"note"`
	Items       int       `json:"items"`
	Services    int       `json:"services"`
}

// CatalogInput is what the centre edits: the business catalog (items,
// scripts, forbidden phrases, keyword groups) and the default services.
type CatalogInput struct {
	Catalog  *cases.Catalog  `json:"catalog"`
	Services []queue.Service `json:"services,omitempty"`
	Note     string          `json:"note,omitempty"`
}

// PublishCatalog signs in as the next version (one above the newest) and
// stores it; halls pull it from then on. An invalid catalog (a forbidden
// phrase in a script, a missing field) is EINVALID and nothing is stored.
func PublishCatalog(ctx context.Context, db *pgxpool.Pool, priv ed25519.PrivateKey, author string, in CatalogInput) (BundleInfo, error) {
	if in.Catalog == nil {
		return BundleInfo{}, queue.Err(queue.EINVALID, "err.region.no_catalog_given")
	}
	raw, _ := json.Marshal(in.Catalog)
	cat, err := cases.ParseCatalog(raw)
	if err != nil {
		return BundleInfo{}, queue.Err(queue.EINVALID, "err.region.invalid_catalog", err)
	}
	var info BundleInfo
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// One publisher at a time: the table lock orders the versions.
		if _, err := tx.Exec(ctx, `LOCK TABLE catalog_bundles IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		var v int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1 FROM catalog_bundles`).Scan(&v); err != nil {
			return err
		}
		b := catalogsync.Bundle{Version: v, Issued: time.Now().UTC().Truncate(time.Second), Note: in.Note, Catalog: cat, Services: in.Services}
		signed, err := catalogsync.Sign(priv, b)
		if err != nil {
			return err
		}
		var s catalogsync.Signed
		if err := json.Unmarshal(signed, &s); err != nil {
			return err
		}
		info = BundleInfo{Version: v, PublishedAt: b.Issued, Author: author, Note: in.Note, Items: len(cat.Items), Services: len(in.Services)}
		_, err = tx.Exec(ctx, `INSERT INTO catalog_bundles (version, published_at, author, note, payload, sig) VALUES ($1, $2, $3, $4, $5, $6)`,
			v, b.Issued, author, in.Note, s.Payload, s.Sig)
		return err
	})
	if err != nil {
		if queue.ErrorCode(err) != queue.EINTERNAL {
			return BundleInfo{}, err
		}
		return BundleInfo{}, fmt.Errorf("publish catalog: %w", err)
	}
	return info, nil
}

// LatestBundle returns the newest signed bundle as halls fetch it;
// ENOTFOUND before the first is published.
func LatestBundle(ctx context.Context, db *pgxpool.Pool) ([]byte, int64, error) {
	var s catalogsync.Signed
	var v int64
	err := db.QueryRow(ctx, `SELECT version, payload, sig FROM catalog_bundles ORDER BY version DESC LIMIT 1`).Scan(&v, &s.Payload, &s.Sig)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, queue.Err(queue.ENOTFOUND, "err.region.no_catalog_published")
	} else if err != nil {
		return nil, 0, fmt.Errorf("latest catalog bundle: %w", err)
	}
	out, err := json.Marshal(s)
	return out, v, err
}

// Bundles lists the published versions, newest first.
func Bundles(ctx context.Context, db *pgxpool.Pool, limit int) ([]BundleInfo, error) {
	rows, err := db.Query(ctx, `SELECT version, published_at, author, note, payload FROM catalog_bundles ORDER BY version DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list catalog bundles: %w", err)
	}
	defer rows.Close()
	out := []BundleInfo{}
	for rows.Next() {
		var b BundleInfo
		var payload []byte
		if err := rows.Scan(&b.Version, &b.PublishedAt, &b.Author, &b.Note, &payload); err != nil {
			return nil, err
		}
		var body struct {
			Catalog  struct{ Items []json.RawMessage } `json:"catalog"`
			Services []json.RawMessage                 `json:"services"`
		}
		json.Unmarshal(payload, &body)
		b.Items, b.Services = len(body.Catalog.Items), len(body.Services)
		out = append(out, b)
	}
	return out, rows.Err()
}
