package cache

import (
	"reflect"
	"testing"
)

// TestLayersPointDown checks what "Structure" in doc.go states: the
// handler holds the tiers, the tiers hold the flights, and no layer holds
// a layer above it (nor the Server), so calls can only go down.
func TestLayersPointDown(t *testing.T) {
	above := map[reflect.Type][]reflect.Type{
		reflect.TypeFor[tiers]():   {reflect.TypeFor[*handler](), reflect.TypeFor[*Server]()},
		reflect.TypeFor[flights](): {reflect.TypeFor[*tiers](), reflect.TypeFor[*handler](), reflect.TypeFor[*Server]()},
	}
	for layer, banned := range above {
		for i := range layer.NumField() {
			f := layer.Field(i)
			for _, b := range banned {
				if f.Type == b {
					t.Errorf("%s.%s is a %s: a layer above it", layer.Name(), f.Name, b)
				}
			}
		}
	}
}
