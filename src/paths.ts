// Every URL in the app, in one place: routes mount these patterns and views build links with them.
export const paths = {
  home: '/',
  health: { live: '/health/live', ready: '/health/ready' },
  signIn: '/sign-in',
  localSignIn: '/sign-in/local',
  signOut: '/sign-out',
  accessibility: '/accessibility',
  assets: { nhsuk: '/assets/nhsuk', app: '/assets/app' },
} as const;

export type Paths = typeof paths;
