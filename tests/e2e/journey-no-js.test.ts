import { describeJourney, pointer } from './journey.js';

// The whole workflow with JavaScript turned off in the browser.
describeJourney(pointer({ javaScript: false }), { screenshots: false });
