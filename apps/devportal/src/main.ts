import 'reflect-metadata';
import { runServiceMain } from '@app/platform';
import { startDevportal } from './devportal.bootstrap.js';

await runServiceMain('devportal', startDevportal);
