import * as kplus from 'cdk8s-plus-28';

/**
 * Container security contexts, set explicitly so no cdk8s-plus default (uid 25000) leaks into a media image.
 * Everything drops all capabilities, forbids privilege escalation and uses the runtime's seccomp profile.
 */
const RUNTIME_DEFAULT: kplus.SeccompProfile = { type: kplus.SeccompProfileType.RUNTIME_DEFAULT };

/** A non-root process with a read-only root filesystem: it writes only to the volumes mounted for it. */
export function nonRootReadOnly(uid: number): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: uid,
    group: uid,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: RUNTIME_DEFAULT,
  };
}

/**
 * The official nginx image: a root master that binds port 80, creates its cache directories and switches
 * workers to the `nginx` user. It gets exactly those capabilities and writes only to its emptyDirs.
 */
export function nginxMaster(): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: false,
    user: 0,
    group: 0,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: {
      drop: [kplus.Capability.ALL],
      add: [kplus.Capability.CHOWN, kplus.Capability.SETUID, kplus.Capability.SETGID, kplus.Capability.NET_BIND_SERVICE],
    },
    seccompProfile: RUNTIME_DEFAULT,
  };
}
