// Package cliconf applies a YAML config file to a command's flags.
//
// A config file is a flat YAML mapping from flag names to values:
//
//	listen: ":8080"
//	ram-bytes: 4GiB
//	origin: s3://videos/prod
//
// so everything a flag can say, the file can say, with the same name and
// syntax, and `--help` documents both. Flags given on the command line
// win over the file; the file wins over defaults. A key that names no
// flag is an error naming the key, so a typo never passes silently.
package cliconf

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// Apply reads the YAML file at path and sets every flag it names that was
// not set on the command line.
func Apply(fs *pflag.FlagSet, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return ApplyYAML(fs, raw, path)
}

// ApplyYAML is Apply on a config file's contents; name labels errors.
func ApplyYAML(fs *pflag.FlagSet, raw []byte, path string) error {
	var settings map[string]any
	if err := yaml.Unmarshal(raw, &settings); err != nil {
		return fmt.Errorf("config %s: not a YAML mapping of flag names to values: %w", path, err)
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if err := applyOne(fs, k, settings[k]); err != nil {
			errs = append(errs, fmt.Errorf("config %s: %w", path, err))
		}
	}
	return errors.Join(errs...)
}

func applyOne(fs *pflag.FlagSet, key string, v any) error {
	f := fs.Lookup(key)
	if f == nil || key == "config" {
		return fmt.Errorf("unknown setting %q (settings are the flag names in --help)", key)
	}
	if f.Changed {
		return nil // the command line wins
	}
	s, err := valueString(v)
	if err != nil {
		return fmt.Errorf("setting %q: %w", key, err)
	}
	if err := fs.Set(key, s); err != nil {
		return fmt.Errorf("setting %q: %w", key, err)
	}
	return nil
}

// valueString renders a YAML value as the flag syntax: scalars as they
// are, lists comma-separated.
func valueString(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			s, err := valueString(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	case map[string]any:
		return "", errors.New("a mapping is not a flag value")
	default:
		return fmt.Sprint(t), nil
	}
}
