import { describeJourney, keyboard } from './journey.js';

// The whole workflow with the keyboard alone; the first visit of each page audits its tab order.
describeJourney(keyboard, { screenshots: false });
