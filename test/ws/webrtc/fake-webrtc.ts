// A stand-in for WebRTC with just what simple-peer (lite) calls for an offer/answer
// exchange without trickle: descriptions carry a token naming their connection, so a test
// can tell which offer an answer answers, after both went through the tracker. No media,
// no network: ICE gathering completes at once and the data channel never opens.

let seq = 0;

export class RTCSessionDescription {
  readonly type: string;
  readonly sdp: string;
  constructor(init: { type: string; sdp: string }) {
    this.type = init.type;
    this.sdp = init.sdp;
  }
}

export class RTCIceCandidate {
  constructor(init: object) {
    Object.assign(this, init);
  }
}

class FakeChannel {
  readyState = 'connecting';
  bufferedAmount = 0;
  binaryType = 'arraybuffer';
  constructor(readonly label: string) {}
  send(): void {}
  close(): void {
    this.readyState = 'closed';
  }
}

type Handler = ((ev?: unknown) => void) | null;

export class RTCPeerConnection {
  /** Every connection made, for the test to inspect. */
  static readonly all: RTCPeerConnection[] = [];
  readonly id = ++seq;
  localDescription: RTCSessionDescription | null = null;
  remoteDescription: RTCSessionDescription | null = null;
  iceGatheringState = 'new';
  iceConnectionState = 'new';
  connectionState = 'new';
  signalingState = 'stable';
  onicecandidate: Handler = null;
  onicegatheringstatechange: Handler = null;
  oniceconnectionstatechange: Handler = null;
  onconnectionstatechange: Handler = null;
  onsignalingstatechange: Handler = null;
  ondatachannel: Handler = null;
  ontrack: Handler = null;

  constructor(_config?: object) {
    RTCPeerConnection.all.push(this);
  }

  createDataChannel(label: string): FakeChannel {
    return new FakeChannel(label);
  }

  async createOffer(): Promise<{ type: string; sdp: string }> {
    return { type: 'offer', sdp: `v=0\r\ns=fake-offer-${this.id}\r\n` };
  }

  async createAnswer(): Promise<{ type: string; sdp: string }> {
    const to = /s=(fake-offer-\d+)/.exec(this.remoteDescription?.sdp ?? '')?.[1] ?? 'none';
    return { type: 'answer', sdp: `v=0\r\ns=fake-answer-${this.id}-to-${to}\r\n` };
  }

  async setLocalDescription(d: { type: string; sdp: string }): Promise<void> {
    this.localDescription = new RTCSessionDescription(d);
    setTimeout(() => {
      this.iceGatheringState = 'complete';
      this.onicegatheringstatechange?.();
      this.onicecandidate?.({ candidate: null });
    }, 0);
  }

  async setRemoteDescription(d: { type: string; sdp: string }): Promise<void> {
    this.remoteDescription = new RTCSessionDescription(d);
  }

  async addIceCandidate(): Promise<void> {}

  async getStats(): Promise<Map<string, unknown>> {
    return new Map();
  }

  close(): void {
    this.connectionState = 'closed';
  }
}
