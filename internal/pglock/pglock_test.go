package pglock

import "testing"

func TestClassesAreDistinct(t *testing.T) {
	seen := map[int]string{}
	for name, class := range map[string]int{"Migrations": Migrations, "Active": Active, "DeviceUpgrade": DeviceUpgrade} {
		if other, ok := seen[class]; ok {
			t.Fatalf("%s and %s share the advisory lock class %d", name, other, class)
		}
		seen[class] = name
	}
}
