// Command etcd is etcd's own server main (go.etcd.io/etcd/server/v3/etcdmain), built from the Go module
// proxy at the version go.mod pins: the upstream `etcd` binary, with nothing of ours in between.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
