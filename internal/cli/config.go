package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/racd/racd/internal/gateway"
	"github.com/racd/racd/internal/realip"
)

// setting is one configuration value: a flag, the RACD_* variable behind it, its
// default and what it means. The same table drives parsing and --help.
type setting struct {
	flag, env, def, help string
	secret               bool // env only: never a flag (it would show in ps)
}

var serveSettings = []setting{
	{flag: "listen", env: "RACD_LISTEN", def: ":9000", help: "address to listen on (host:port)"},
	{flag: "database-url", env: "RACD_DATABASE_URL", def: "sqlite://racd.db", help: "sqlite://<path> (sqlite:///abs/path is absolute, sqlite://rel/path relative to the working directory) or postgres://user:pass@host:port/db?sslmode=..."},
	{env: "RACD_SECRET_KEY", secret: true, help: "server secret (at least 32 characters) that encrypts token keys at rest; required with PostgreSQL and shared by every replica; with SQLite, generated into a 0600 file beside the database when unset"},
	{flag: "secret-key-file", env: "RACD_SECRET_KEY_FILE", def: "", help: "file holding the server secret instead of RACD_SECRET_KEY (default with SQLite: <database>.secret)"},
	{env: "RACD_BOOTSTRAP_TOKEN", secret: true, help: "at start, create the superuser akadmin and a non-expiring API token with this key when they are missing (an existing token is never overwritten)"},
	{flag: "log-level", env: "RACD_LOG_LEVEL", def: "info", help: "debug, info, warn or error"},
	{flag: "log-format", env: "RACD_LOG_FORMAT", def: "text", help: "text or json"},
	{flag: "access-log", env: "RACD_ACCESS_LOG", def: "true", help: "log every request at info level: method, path, query (sensitive values masked), status, bytes, duration, client IP, user, user agent, request id"},
	{flag: "auth-cache-ttl", env: "RACD_AUTH_CACHE_TTL", def: "2s", help: "how long a replica reuses a token lookup; changes through the same replica apply at once (0 disables)"},
	{flag: "request-timeout", env: "RACD_REQUEST_TIMEOUT", def: "15s", help: "bound on each request's database work; past it the answer is 503"},
	// Operating settings (appended: migrateSettings picks earlier ones by position).
	{flag: "database-wait", env: "RACD_DATABASE_WAIT", def: "60s", help: "at start, how long to keep retrying (with back-off, logging each try) a database that cannot be reached before exiting 1; 0 gives up at once"},
	{flag: "shutdown-timeout", env: "RACD_SHUTDOWN_TIMEOUT", def: "10s", help: "on SIGTERM or SIGINT, how long requests in flight may take to finish; those still running then are cut and logged with their request id"},
	{flag: "event-retention", env: "RACD_EVENT_RETENTION", def: "365d", help: "how long audit events are kept (a duration such as 720h, or days such as 90d); shortening it also removes older events at the next purge (every minute)"},
	{flag: "metrics-listen", env: "RACD_METRICS_LISTEN", def: "", help: "address of a separate listener serving Prometheus metrics at /metrics, e.g. 127.0.0.1:9300 (the port authentik uses); unset serves none"},
	{flag: "trusted-proxies", env: "RACD_TRUSTED_PROXIES", def: "", help: "comma-separated CIDRs or addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, e.g. 127.0.0.1,10.0.0.0/8; unset believes no one"},
	{flag: "guacd-addr", env: "RACD_GUACD_ADDR", def: gateway.DefaultGuacdAddr, help: "host:port of guacd, which connects to the remote machines (RDP, VNC, SSH) for the session pages"},
	{flag: "guacd-connect-timeout", env: "RACD_GUACD_CONNECT_TIMEOUT", def: gateway.DefaultConnectTimeout.String(), help: "bound on connecting to guacd; past it the page is told guacd cannot be reached"},
	{flag: "guacd-handshake-timeout", env: "RACD_GUACD_HANDSHAKE_TIMEOUT", def: gateway.DefaultHandshakeTimeout.String(), help: "bound on guacd's handshake (select to ready); guacd stays silent for a protocol it lacks, and the page is told after this"},
	{flag: "reconnect-grace", env: "RACD_RECONNECT_GRACE", def: gateway.DefaultReconnectGrace.String(), help: "with a provider's delete_token_on_disconnect, how long after a session ends its token waits for the browser to reconnect before it is deleted"},
	{flag: "max-connections", env: "RACD_MAX_CONNECTIONS", def: "1024", help: "open client connections at most; at the bound a new connection replaces the one that waited longest without a request being served"},
	{flag: "max-evaluations", env: "RACD_MAX_EVALUATIONS", def: "8", help: "property-mapping evaluations running at once at most; a launch that finds no free slot within 1s answers 503"},
	{flag: "token-max-lifetime", env: "RACD_TOKEN_MAX_LIFETIME", def: "90d", help: "longest lifetime of an API token a user who is not a superuser creates or changes (a duration such as 720h, or days such as 30d); such tokens always expire, 30 minutes after the change when no expiry is given"},
	// Browser sign-in (signin.go).
	signInSettings[0], signInSettings[1], signInSettings[2], signInSettings[3],
}

// Config is racd's resolved configuration.
type Config struct {
	Listen         string
	DatabaseURL    string
	SecretKey      string
	SecretKeyFile  string
	BootstrapToken string
	LogLevel       slog.Level
	LogJSON        bool
	AccessLog      bool
	AuthCacheTTL   time.Duration
	RequestTimeout time.Duration
	// DatabaseWait bounds how long serve retries an unreachable database at start.
	DatabaseWait time.Duration
	// ShutdownTimeout is how long requests in flight may finish after a signal.
	ShutdownTimeout time.Duration
	// EventRetention is how long audit events are kept.
	EventRetention time.Duration
	// MetricsListen is the metrics listener's address; "" serves no metrics.
	MetricsListen string
	// TrustedProxies are the peers whose forwarded headers are believed.
	TrustedProxies *realip.Proxies

	GuacdAddr             string
	GuacdConnectTimeout   time.Duration
	GuacdHandshakeTimeout time.Duration
	ReconnectGrace        time.Duration
	// MaxConnections bounds open client connections.
	MaxConnections int
	// MaxEvaluations bounds property-mapping evaluations running at once.
	MaxEvaluations int
	// TokenMaxLifetime bounds the tokens of users who are not superusers.
	TokenMaxLifetime time.Duration

	// BootstrapPassword is akadmin's password when racd creates akadmin.
	BootstrapPassword string
	// SessionIdleTimeout and SessionMaxAge end browser sessions.
	SessionIdleTimeout, SessionMaxAge time.Duration
	// AuthenticationFlow is the slug of the sign-in page.
	AuthenticationFlow string
}

// parseConfig resolves settings from flags (highest), then RACD_* variables, then
// defaults. It returns flag.ErrHelp after printing help for -h/--help, and refuses
// arguments that are not flags.
func parseConfig(name, summary string, settings []setting, args []string, getenv func(string) string, out io.Writer) (map[string]string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	resolve := settingFlags(fs, settings, getenv)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(out, name, summary, settings)
			return nil, flag.ErrHelp
		}
		return nil, fmt.Errorf("%w\nrun 'racd %s --help' for usage", err, strings.TrimPrefix(name, "racd "))
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	return resolve(), nil
}

// settingFlags adds a flag for each setting that has one, defaulting to its variable,
// else its default; the function returned resolves every setting once fs is parsed.
func settingFlags(fs *flag.FlagSet, settings []setting, getenv func(string) string) func() map[string]string {
	vals := map[string]*string{}
	for _, st := range settings {
		if st.secret || st.flag == "" {
			continue
		}
		v := st.def
		if e := getenv(st.env); e != "" {
			v = e
		}
		vals[st.env] = fs.String(st.flag, v, st.help)
	}
	return func() map[string]string {
		res := map[string]string{}
		for _, st := range settings {
			if p, ok := vals[st.env]; ok {
				res[st.env] = *p
			} else {
				res[st.env] = getenv(st.env)
			}
		}
		return res
	}
}

func printHelp(w io.Writer, name, summary string, settings []setting) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\n%s\n\nSettings (flag, environment variable, default):\n", name, summary)
	for _, st := range settings {
		flagName := "(environment only)"
		if st.flag != "" && !st.secret {
			flagName = "--" + st.flag
		}
		def := st.def
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(w, "  %-22s %s (default %s)\n      %s\n", flagName, st.env, def, st.help)
	}
}

// toConfig converts resolved strings into a Config, reporting every bad value.
func toConfig(v map[string]string) (Config, error) {
	c := Config{
		Listen: v["RACD_LISTEN"], DatabaseURL: v["RACD_DATABASE_URL"], SecretKey: v["RACD_SECRET_KEY"],
		SecretKeyFile: v["RACD_SECRET_KEY_FILE"], BootstrapToken: v["RACD_BOOTSTRAP_TOKEN"],
		GuacdAddr: v["RACD_GUACD_ADDR"],
	}
	var errs []error
	switch strings.ToLower(v["RACD_LOG_LEVEL"]) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info", "":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		errs = append(errs, fmt.Errorf("RACD_LOG_LEVEL %q: want debug, info, warn or error", v["RACD_LOG_LEVEL"]))
	}
	switch strings.ToLower(v["RACD_LOG_FORMAT"]) {
	case "text", "":
	case "json":
		c.LogJSON = true
	default:
		errs = append(errs, fmt.Errorf("RACD_LOG_FORMAT %q: want text or json", v["RACD_LOG_FORMAT"]))
	}
	if s := v["RACD_ACCESS_LOG"]; s == "" {
		c.AccessLog = true
	} else if b, err := strconv.ParseBool(s); err != nil {
		errs = append(errs, fmt.Errorf("RACD_ACCESS_LOG %q: want true or false", s))
	} else {
		c.AccessLog = b
	}
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{"RACD_AUTH_CACHE_TTL", &c.AuthCacheTTL}, {"RACD_REQUEST_TIMEOUT", &c.RequestTimeout}} {
		if s := v[d.env]; s != "" {
			dur, err := time.ParseDuration(s)
			if err != nil || dur < 0 {
				errs = append(errs, fmt.Errorf("%s %q: want a duration such as 2s", d.env, s))
			}
			*d.dst = dur
		}
	}
	for _, n := range []struct {
		env string
		dst *int
	}{{"RACD_MAX_CONNECTIONS", &c.MaxConnections}, {"RACD_MAX_EVALUATIONS", &c.MaxEvaluations}} {
		if s := v[n.env]; s != "" {
			i, err := strconv.Atoi(s)
			if err != nil || i < 1 {
				errs = append(errs, fmt.Errorf("%s %q: want a positive number", n.env, s))
			}
			*n.dst = i
		}
	}
	errs = append(errs, c.operating(v)...)
	errs = append(errs, c.signInConfig(v)...)
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{"RACD_GUACD_CONNECT_TIMEOUT", &c.GuacdConnectTimeout}, {"RACD_GUACD_HANDSHAKE_TIMEOUT", &c.GuacdHandshakeTimeout},
		{"RACD_RECONNECT_GRACE", &c.ReconnectGrace}} {
		if s := v[d.env]; s != "" {
			dur, err := time.ParseDuration(s)
			if err != nil || dur <= 0 {
				errs = append(errs, fmt.Errorf("%s %q: want a positive duration such as 10s", d.env, s))
			}
			*d.dst = dur
		}
	}
	if c.GuacdAddr != "" {
		if _, _, err := net.SplitHostPort(c.GuacdAddr); err != nil {
			errs = append(errs, fmt.Errorf("RACD_GUACD_ADDR %q: want host:port", c.GuacdAddr))
		}
	}
	if c.Listen == "" {
		errs = append(errs, errors.New("RACD_LISTEN must not be empty"))
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("RACD_DATABASE_URL must not be empty"))
	}
	return c, errors.Join(errs...)
}

func newLogger(w io.Writer, c Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// operating reads the operating settings (start-up wait, shutdown, retention, metrics,
// proxies) into c; a command that does not offer one leaves it at its default.
func (c *Config) operating(v map[string]string) []error {
	var errs []error
	def := func(env string) string {
		if s := v[env]; s != "" {
			return s
		}
		for _, st := range serveSettings {
			if st.env == env {
				return st.def
			}
		}
		return ""
	}
	for _, d := range []struct {
		env      string
		dst      *time.Duration
		positive bool
	}{
		{"RACD_DATABASE_WAIT", &c.DatabaseWait, false},
		{"RACD_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout, false},
		{"RACD_EVENT_RETENTION", &c.EventRetention, true},
		{"RACD_TOKEN_MAX_LIFETIME", &c.TokenMaxLifetime, true},
	} {
		s := def(d.env)
		dur, err := parseDays(s)
		if err != nil || dur < 0 || (d.positive && dur == 0) {
			errs = append(errs, fmt.Errorf("%s %q: want a duration such as 90s, 720h or 30d", d.env, s))
		}
		*d.dst = dur
	}
	c.MetricsListen = v["RACD_METRICS_LISTEN"]
	p, err := realip.Parse(v["RACD_TRUSTED_PROXIES"])
	if err != nil {
		errs = append(errs, fmt.Errorf("RACD_TRUSTED_PROXIES: %w", err))
	}
	c.TrustedProxies = p
	return errs
}

// parseDays is time.ParseDuration that also takes a whole number of days ("30d"),
// the unit retention periods are thought in.
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseUint(n, 10, 16)
		if err != nil {
			return 0, err
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
