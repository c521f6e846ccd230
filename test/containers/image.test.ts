// The image on this host's architecture, every check (test/containers/image-suite.ts).
import { NATIVE_ARCH } from './engine.ts';
import { imageSuite } from './image-suite.ts';

imageSuite(NATIVE_ARCH, true);
