// Every URL in the app, in one place: routes mount these patterns and views build links with them.
export const paths = {
  home: '/',
  health: { live: '/health/live', ready: '/health/ready' },
  signIn: '/sign-in',
  localSignIn: '/sign-in/local',
  signOut: '/sign-out',
  accessibility: '/accessibility',
  // nhsukCssImages: the compiled NHS CSS asks for its icons at this absolute URL.
  assets: { nhsuk: '/assets/nhsuk', nhsukCssImages: '/assets/images', app: '/assets/app' },
} as const;

export type Paths = typeof paths;
