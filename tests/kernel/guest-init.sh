#!/bin/busybox sh
# Init of the kernel-tier guest (see README.md). Runs under busybox sh, in two stages:
#   stage 1 (/init in the initramfs): load virtio/9p/overlay modules, mount the host's root (read-only 9p)
#            under a tmpfs overlay, mount the run folder (writable 9p) at /.kt/results, switch_root.
#   stage 2 (pid 1 in the new root, which is the host's file tree with a RAM upper layer): mount fresh
#            /proc /sys /dev /run, load the link-kind modules, run one pwsh with the test runner,
#            write its exit code to /.kt/results, power off.
# Nothing written in the guest reaches the host except what goes to /.kt/results.
# Lines on the console are relayed by the host prefixed with "[kernel]".

BB=/bin/busybox
[ "$1" = stage2 ] && BB=/.kt/busybox

say() { echo "guest: $*"; }

die() {
    say "FATAL: $*"
    for d in /.kt/results /newroot/.kt/results; do
        [ -d "$d" ] && echo "$*" > "$d/fatal" 2>/dev/null
    done
    $BB sync
    $BB poweroff -f
    exit 1
}

stage1() {
    $BB mkdir -p /proc /sys /dev /bin /sbin
    $BB mount -t proc proc /proc
    $BB mount -t sysfs sysfs /sys
    $BB mount -t devtmpfs devtmpfs /dev
    $BB --install -s /bin
    say "initramfs up ($(uname -r))"

    # Modules in dependency order, listed by the host when it built this initramfs.
    while read -r ko; do
        [ -n "$ko" ] || continue
        insmod "/modules/$ko" 2>/tmp/insmod.err || {
            grep -q 'File exists' /tmp/insmod.err || die "insmod $ko: $(cat /tmp/insmod.err)"
        }
    done < /modules/order

    mkdir -p /lower /upper /newroot
    # msize: bigger 9p messages, far fewer round trips. cache=loose: the host tree does not change under a run.
    mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose host /lower ||
        die "cannot mount the host's root (9p tag 'host')"
    mount -t tmpfs -o mode=0755 tmpfs /upper || die "tmpfs for the overlay"
    mkdir -p /upper/data /upper/work
    mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot ||
        die "cannot mount the overlay root"
    mkdir -p /newroot/.kt/results
    mount -t 9p -o rw,trans=virtio,version=9p2000.L,msize=512000 results /newroot/.kt/results ||
        die "cannot mount the results folder (9p tag 'results')"
    [ -f /newroot/.kt/results/job.env ] || die "no job.env in the results folder"
    cp /bin/busybox /newroot/.kt/busybox
    cp /init /newroot/.kt/init
    say "host root mounted (read-only, RAM overlay); switching root"
    for m in proc sys dev; do mount --move /$m /newroot/$m; done
    # switch_root runs in pid 1, so kernel threads (module autoload via /sbin/modprobe) see the new root too.
    exec switch_root /newroot /.kt/busybox sh /.kt/init stage2
    die "switch_root failed"
}

stage2() {
    B=$BB
    # Fresh guest-only trees where the host's state would otherwise show through (/run/netns above all).
    # /tmp stays the overlay's: host paths under /tmp are seen, writes stay in the guest's RAM.
    $B mount -t tmpfs -o mode=0755 tmpfs /run || die "tmpfs /run"
    $B mkdir -p /dev/pts /dev/shm /run/netns /run/lock
    $B mount -t devpts -o mode=0620,ptmxmode=0666 devpts /dev/pts
    $B mount -t tmpfs -o mode=1777 tmpfs /dev/shm
    $B grep -q " /sys/fs/cgroup " /proc/mounts || $B mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
    $B hostname kernel-tier

    . /.kt/results/job.env || die "cannot read job.env"
    # Own deadline too, should the host side be gone (it kills qemu at its deadline, before this one).
    ( $B sleep "${KT_DEADLINE:-960}"; echo "guest: deadline of ${KT_DEADLINE:-960} s passed, powering off"; $B poweroff -f ) &
    export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    # The kernel package's modules (extracted on the host, depmod'ed there) become this guest's /lib/modules.
    $B mkdir -p /lib/modules
    $B mount --bind "$KT_MODULES" /lib/modules || die "cannot bind $KT_MODULES over /lib/modules"
    $B ip link set lo up 2>/dev/null

    loaded=""
    failed=""
    for m in $KT_MODPROBE; do
        if [ -d "/sys/module/$m" ] || modprobe "$m" 2>/tmp/modprobe.err; then
            loaded="$loaded $m"
        else
            failed="$failed $m($(head -c 200 /tmp/modprobe.err))"
        fi
    done
    say "modules loaded:$loaded"
    [ -z "$failed" ] || say "modules NOT loaded:$failed"

    export HOME=/root DOTNET_CLI_HOME=/root TMPDIR=/tmp TERM=dumb NO_COLOR=1 \
        DOTNET_ROOT="$KT_DOTNET_ROOT" DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
        DOTNET_CLI_TELEMETRY_OPTOUT=1 POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off \
        DOTNET_TieredPGO=0 DOTNET_TC_QuickJitForLoops=1 DOTNET_gcServer=0 $KT_EXTRA_ENV
    $B mkdir -p /root
    cd /tmp || die "cd /tmp"
    say "starting pwsh"
    # Output goes through a pipe (not the serial tty): no terminal probing, no line-wrapping at 80 columns.
    ( "$KT_DOTNET" "$KT_PWSH_DLL" -NoProfile -NonInteractive -NoLogo -File "$KT_RUNNER" \
        -JobPath /.kt/results/job.json 2>&1; echo $? > /.kt/results/pwsh-exit ) < /dev/null | $B cat
    say "pwsh exited with $(cat /.kt/results/pwsh-exit 2>/dev/null)"
    $B sync
    say "powering off"
    $B poweroff -f
}

if [ "$1" = stage2 ]; then stage2; else stage1; fi
die "init fell through"
