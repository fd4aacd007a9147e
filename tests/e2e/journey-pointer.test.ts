import { describeJourney, pointer } from './journey.js';

// The whole workflow with a mouse and JavaScript on; saves the README's screenshots.
describeJourney(pointer({ javaScript: true }), { screenshots: true });
