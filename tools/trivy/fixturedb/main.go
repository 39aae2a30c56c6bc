// Command fixturedb writes a small Trivy vulnerability database with chosen
// advisories, so the real trivy binary can be tested offline (the real DB is an
// OCI artifact downloaded at run time). It uses trivy-db's own Go API at the
// version trivy's go.mod pins (tools/trivy/go.mod resolves both), so the bucket
// layout is the one trivy reads:
//
//	fixturedb -advisories advisories.json -cache-dir DIR
//
// writes DIR/db/trivy.db and DIR/db/metadata.json; then
//
//	trivy image --cache-dir DIR --skip-db-update --offline-scan ...
//
// uses it (with --skip-db-update the DB is never considered stale).
//
// The input is a JSON object {"about", "updatedAt": RFC 3339, "advisories": [...]}; each
// advisory is one of
//
//	{"id", "ecosystem": "npm", "package", "vulnerable": [...], "patched": [...], "severity", "title"}
//	{"id", "ecosystem": "debian", "release": "12", "package": <source package>, "fixed", "status", "severity", "title"}
//
// npm advisories are stored as trivy-db's GHSA source stores them (bucket
// "npm::GitHub Security Advisory npm"; as its osv parser writes them, "vulnerable"
// holds ranges such as ">=1.2.0, <1.2.5" and "patched" the fixed versions
// themselves, "1.2.5"; no "patched" = unfixed);
// Debian ones as its Debian source does (bucket "debian <release>", keyed by the
// SOURCE package, fixed = "" for an unfixed one with its status).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	"github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/bucket"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/vulnerability"
	bolt "go.etcd.io/bbolt"
)

type input struct {
	About      string     `json:"about"` // what the file is for: not read
	UpdatedAt  time.Time  `json:"updatedAt"`
	Advisories []advisory `json:"advisories"`
}

type advisory struct {
	ID         string   `json:"id"`
	Ecosystem  string   `json:"ecosystem"`
	Release    string   `json:"release"`
	Package    string   `json:"package"`
	Vulnerable []string `json:"vulnerable"`
	Patched    []string `json:"patched"`
	Fixed      string   `json:"fixed"`
	Status     string   `json:"status"`
	Severity   string   `json:"severity"`
	Title      string   `json:"title"`
}

// The data sources exactly as trivy-db's ghsa and debian sources record them
// (pkg/vulnsrc/ghsa/ghsa.go platformFormat/urlFormat, pkg/vulnsrc/debian/debian.go).
var (
	ghsaNpm = types.DataSource{
		ID:   vulnerability.GHSA,
		Name: "GitHub Security Advisory npm",
		URL:  "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Anpm",
	}
	debianTracker = types.DataSource{
		ID:   vulnerability.Debian,
		Name: "Debian Security Tracker",
		URL:  "https://salsa.debian.org/security-tracker-team/security-tracker",
	}
)

func main() {
	advisoriesPath := flag.String("advisories", "", "JSON file with the advisories to write")
	cacheDir := flag.String("cache-dir", "", "trivy cache dir to write db/trivy.db and db/metadata.json into")
	flag.Parse()
	if *advisoriesPath == "" || *cacheDir == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*advisoriesPath, *cacheDir); err != nil {
		fmt.Fprintf(os.Stderr, "fixturedb: %v\n", err)
		os.Exit(1)
	}
}

func read(path string) (input, error) {
	var in input
	f, err := os.Open(path)
	if err != nil {
		return in, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields() // a typo must not silently drop a field of a test's advisory
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("%s: %w", path, err)
	}
	if in.UpdatedAt.IsZero() {
		return in, fmt.Errorf("%s: updatedAt is missing", path)
	}
	return in, nil
}

func run(advisoriesPath, cacheDir string) error {
	in, err := read(advisoriesPath)
	if err != nil {
		return err
	}
	dbDir := filepath.Join(cacheDir, "db")
	if err := db.Init(dbDir); err != nil {
		return err
	}
	defer db.Close()
	dbc := db.Config{}
	err = dbc.BatchUpdate(func(tx *bolt.Tx) error {
		for i, a := range in.Advisories {
			if err := put(dbc, tx, a); err != nil {
				return fmt.Errorf("advisories[%d] (%s): %w", i, a.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Version must equal the schema trivy expects, or it refuses the DB.
	return metadata.NewClient(dbDir).Update(metadata.Metadata{
		Version:      db.SchemaVersion,
		UpdatedAt:    in.UpdatedAt,
		NextUpdate:   in.UpdatedAt.Add(24 * time.Hour),
		DownloadedAt: in.UpdatedAt,
	})
}

func put(dbc db.Config, tx *bolt.Tx, a advisory) error {
	if a.ID == "" || a.Package == "" {
		return fmt.Errorf("id and package are required")
	}
	severity, err := types.NewSeverity(strings.ToUpper(a.Severity))
	if err != nil {
		return err
	}
	var (
		bkt    string
		source types.DataSource
		adv    types.Advisory
	)
	switch a.Ecosystem {
	case "npm":
		b, err := bucket.NewNpm(ghsaNpm)
		if err != nil {
			return err
		}
		if len(a.Vulnerable) == 0 || a.Fixed != "" || a.Status != "" || a.Release != "" {
			return fmt.Errorf("an npm advisory has vulnerable (and patched, when fixed) ranges only")
		}
		bkt, source = b.Name(), ghsaNpm
		adv = types.Advisory{VulnerableVersions: a.Vulnerable, PatchedVersions: a.Patched}
	case "debian":
		if a.Release == "" || len(a.Vulnerable) != 0 || len(a.Patched) != 0 {
			return fmt.Errorf("a debian advisory has a release and a fixed version (or a status) only")
		}
		bkt, source = bucket.NewDebian(a.Release).Name(), debianTracker
		adv = types.Advisory{FixedVersion: a.Fixed, Severity: severity}
		if a.Fixed == "" {
			status, err := parseStatus(a.Status)
			if err != nil {
				return err
			}
			adv.Status = status
		}
	default:
		return fmt.Errorf("unknown ecosystem %q (npm or debian)", a.Ecosystem)
	}
	if err := dbc.PutDataSource(tx, bkt, source); err != nil {
		return err
	}
	// A pointer: types.Advisory's MarshalJSON (which stores Status) has a pointer receiver.
	if err := dbc.PutAdvisory(tx, []string{bkt, a.Package}, a.ID, &adv); err != nil {
		return err
	}
	return dbc.PutVulnerability(tx, a.ID, types.Vulnerability{
		Title:          a.Title,
		Severity:       severity.String(),
		VendorSeverity: types.VendorSeverity{source.ID: severity},
	})
}

func parseStatus(s string) (types.Status, error) {
	for i, name := range types.Statuses {
		if name == s {
			return types.Status(i), nil
		}
	}
	return types.StatusUnknown, fmt.Errorf("unknown status %q (one of %s)", s, strings.Join(types.Statuses, ", "))
}
