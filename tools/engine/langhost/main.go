// Command pulumi-language-python (stand-in).
//
// The upstream language host (module
// github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) could not
// be fetched through the Go module proxy reachable here (403 "This module
// version is not available" for every pseudo-version tried, see README.md).
// This is a small replacement written against the sdk/v3 module: it serves the
// LanguageRuntime gRPC interface with the parts the engine needs to run a
// Python program (Run), a Python policy pack (RunPlugin, kind analyzer) and
// `pulumi about` (GetPluginInfo). The program itself is started exactly as
// upstream does: `python -u pulumi-language-python-exec --monitor ... PROGRAM`,
// with the interpreter resolved by sdk/v3/python/toolchain from the project's
// `runtime.options` (toolchain, virtualenv).
//
// It exits with its engine (see enginewatch.go): a `pulumi up` killed with
// SIGKILL leaves no language host, Python program or policy pack behind. The
// same binary, run as `pulumi-language-python --guard PLUGIN ARGS...`, runs a
// provider plugin the same way (the Kubernetes provider, the Python dynamic
// provider): ensure.sh puts small wrappers on PATH that do so.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// Exit code the Python exec script uses when it already reported the error.
const bailExitCode = 32

// The digest of this source (tools/engine/ensure.sh sets it with -X), printed
// by --source-key: how ensure.sh tells a current build from an older one.
var sourceKey = "unknown"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	execScript    string
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "--guard" {
		os.Exit(guard(os.Args[2], os.Args[3:]))
	}
	if len(os.Args) == 2 && os.Args[1] == "--source-key" {
		fmt.Println(sourceKey)
		return
	}
	watchEngine(nil)
	args := os.Args[1:]
	// Flags the engine may pass before the engine address; the address is last.
	var positional []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			positional = append(positional, a)
		}
	}
	engineAddress := ""
	if len(positional) > 0 {
		engineAddress = positional[len(positional)-1]
	}

	self, err := os.Executable()
	if err != nil {
		cmdutil.Exit(err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	execScript := filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	if _, err := os.Stat(execScript); err != nil {
		cmdutil.Exit(fmt.Errorf("pulumi-language-python-exec must sit beside %s: %w", self, err))
	}

	h := &host{engineAddress: engineAddress, execScript: execScript}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

// options reads `runtime.options` (toolchain, virtualenv) from a ProgramInfo.
func pythonOptions(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{}
	if info == nil {
		return opts, nil
	}
	opts.Root = info.GetRootDirectory()
	opts.ProgramDir = info.GetProgramDirectory()
	m := info.GetOptions().AsMap()
	if v, ok := m["virtualenv"].(string); ok && v != "" {
		opts.Virtualenv = v
		if !filepath.IsAbs(v) {
			opts.Virtualenv = filepath.Join(opts.Root, v)
		}
	}
	switch tc, _ := m["toolchain"].(string); tc {
	case "", "pip":
		opts.Toolchain = toolchain.Pip
	case "uv":
		opts.Toolchain = toolchain.Uv
	case "poetry":
		opts.Toolchain = toolchain.Poetry
	default:
		return opts, fmt.Errorf("unsupported python toolchain %q", tc)
	}
	return opts, nil
}

func (h *host) command(ctx context.Context, info *pulumirpc.ProgramInfo, args ...string) (*exec.Cmd, error) {
	opts, err := pythonOptions(info)
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	return cmd, nil
}

func (h *host) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *host) Handshake(context.Context, *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// Plugins are found on demand (PATH or the plugin cache); nothing is
// announced up front, so the engine never tries to download one.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	cmd, err := h.command(ctx, req.GetInfo(), "--version")
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: cmd.Path,
		Version:    strings.TrimSpace(strings.TrimPrefix(string(out), "Python ")),
	}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// InstallDependencies is a no-op: environments are prepared by the project
// (pip install into its own virtualenv), never by the engine.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest,
	grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	program := req.GetProgram()
	root := ""
	if info != nil {
		program = filepath.Join(info.GetProgramDirectory(), info.GetEntryPoint())
		root = info.GetRootDirectory()
	}
	args := []string{"-u", h.execScript,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
		"--organization", req.GetOrganization(),
	}
	if root != "" {
		args = append(args, "--root_directory", root)
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd, err := h.command(ctx, info, args...)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	// Never "null": the exec script iterates over both.
	cfgMap := req.GetConfig()
	if cfgMap == nil {
		cfgMap = map[string]string{}
	}
	cfgSecret := req.GetConfigSecretKeys()
	if cfgSecret == nil {
		cfgSecret = []string{}
	}
	config, err := json.Marshal(cfgMap)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(cfgSecret)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(cmd.Env,
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := runTracked(cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a Python plugin program. A policy pack (kind "analyzer") is
// started as `python -u -m pulumi.policy ENGINE_ADDRESS PACK_DIR` (the
// module ships in the pulumi pip package); any other plugin as
// `python -u PROGRAM ARGS...`. Output streams back line by line.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest,
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	info := req.GetInfo()
	program := req.GetProgram()
	if info != nil {
		program = filepath.Join(info.GetProgramDirectory(), info.GetEntryPoint())
	}
	var args []string
	if req.GetKind() == "analyzer" {
		args = append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...)
		args = append(args, program)
	} else {
		args = append([]string{"-u", program}, req.GetArgs()...)
	}
	cmd, err := h.command(server.Context(), info, args...)
	if err != nil {
		return err
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Dir = req.GetPwd()

	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := startTracked(cmd); err != nil {
		return err
	}
	defer untrack(cmd)
	send := make(chan *pulumirpc.RunPluginResponse)
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		sc := bufio.NewReader(r)
		for {
			line, err := sc.ReadBytes('\n')
			if len(line) > 0 {
				send <- wrap(line)
			}
			if err != nil {
				send <- nil
				return
			}
		}
	}
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	for open := 2; open > 0; {
		msg := <-send
		if msg == nil {
			open--
			continue
		}
		if err := server.Send(msg); err != nil {
			return err
		}
	}
	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode())
	}
	return server.Send(&pulumirpc.RunPluginResponse{
		Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code},
	})
}
